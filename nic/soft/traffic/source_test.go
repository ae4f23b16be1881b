package traffic

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

// TestSourceMatchesGenerate: the streamed trace is the in-memory one, frame
// for frame, hostile events (several frames per draw) and churn included.
func TestSourceMatchesGenerate(t *testing.T) {
	c := small()
	c.Proto = Mix
	c.Sizes = IMIX
	c.Churn = 1e5
	c.Hostile = 0.3
	c.Kinds = AllKinds
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSource(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Ports() != tr.NumPorts {
		t.Fatalf("source has %d ports, trace %d", s.Ports(), tr.NumPorts)
	}
	for i, want := range tr.Frames {
		f, err := s.Next()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.Port != want.Port || f.Time != want.Time || !bytes.Equal(f.Data, want.Data) {
			t.Fatalf("frame %d: streamed port %d time %d, generated port %d time %d (or bytes differ)", i, f.Port, f.Time, want.Port, want.Time)
		}
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("after %d frames: %v, want io.EOF", len(tr.Frames), err)
	}
}

// TestSourceBoundedMemory: the heap stays small while a million packets
// stream through (sampled every 100,000 packets); holding them would take
// over 100 MB (60-byte frames plus a Frame header each). Garbage counts
// too, so this also bounds what the generator allocates between two
// collections.
func TestSourceBoundedMemory(t *testing.T) {
	c := DefaultConfig()
	c.Packets = 1_000_000
	c.Hostile = 0.1
	s, err := NewSource(c)
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, uint64(0)
	n := 0
	for {
		f, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if int(f.Port) >= s.Ports() {
			t.Fatalf("frame %d on port %d", n, f.Port)
		}
		n++
		if n%100_000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if n != c.Packets {
		t.Fatalf("%d packets, want %d", n, c.Packets)
	}
	const limit = 16 << 20
	if peak > base+limit {
		t.Errorf("the heap grew from %d to %d bytes while streaming %d packets, want at most %d more", base, peak, n, limit)
	}
	runtime.KeepAlive(s)
}

// TestHeartbeatsAndInbound: heartbeats are the asked share, on port 0,
// from Backends hosts in turn; inbound flows enter the last port.
func TestHeartbeatsAndInbound(t *testing.T) {
	c := small()
	c.Packets = 20000
	c.Bidir = 0
	c.Inbound = true
	c.Heartbeat = 0.1
	c.Backends = 5
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[uint32]int{}
	beats := 0
	for i, f := range tr.Frames {
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if f.Port == 0 {
			if p.DstIP != heartbeatDst || p.DstPort != heartbeatPort || !p.HasPorts() {
				t.Fatalf("frame %d on port 0 is no heartbeat", i)
			}
			srcs[p.SrcIP]++
			beats++
		} else if p.DstIP == heartbeatDst {
			t.Fatalf("frame %d: a heartbeat on port %d", i, f.Port)
		}
	}
	if share := float64(beats) / float64(c.Packets); share < 0.09 || share > 0.11 {
		t.Errorf("heartbeat share %.3f, want 0.1", share)
	}
	if len(srcs) != 5 {
		t.Errorf("heartbeats from %d backends, want 5", len(srcs))
	}
	for ip, n := range srcs {
		if n < beats/5 || n > beats/5+1 {
			t.Errorf("backend %#x sent %d of %d heartbeats: not in turn", ip, n, beats)
		}
	}
	for _, bad := range []func(*Config){
		func(c *Config) { c.Heartbeat = 1 },
		func(c *Config) { c.Heartbeat = -0.1 },
		func(c *Config) { c.Backends = -1 },
		func(c *Config) { c.Ports, c.Inbound = 1, true },
	} {
		c := small()
		bad(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

// fakeNAT translates every LAN frame to 192.0.2.1 and a port per flow,
// counting what it saw.
type fakeNAT struct {
	ports  map[[2]uint32]uint16
	server map[[3]uint32]bool // (server address, server port, external port) given out
	seen   int
}

func (n *fakeNAT) Translate(f soft.Frame) (uint32, uint16, bool) {
	n.seen++
	var p maestro.Packet
	p.Reset(f.Data, f.Port, f.Time)
	if f.Port != 0 || !p.HasPorts() {
		return 0, 0, false
	}
	k := [2]uint32{p.SrcIP, uint32(p.SrcPort)}
	if _, ok := n.ports[k]; !ok {
		n.ports[k] = uint16(1000 + len(n.ports))
	}
	n.server[[3]uint32{p.DstIP, uint32(p.DstPort), uint32(n.ports[k])}] = true
	return 0xc0000201, n.ports[k], true
}

// TestTranslator: every reply is addressed to the external address and port
// the NAT gave its flow; the NAT saw every frame.
func TestTranslator(t *testing.T) {
	c := small()
	c.Bidir = 1
	nat := &fakeNAT{ports: map[[2]uint32]uint16{}, server: map[[3]uint32]bool{}}
	c.NAT = nat
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if nat.seen != c.Packets {
		t.Errorf("the NAT saw %d frames of %d", nat.seen, c.Packets)
	}
	replies := 0
	for i, f := range tr.Frames {
		if f.Port != 1 {
			continue
		}
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if p.DstIP != 0xc0000201 || !nat.server[[3]uint32{p.SrcIP, uint32(p.SrcPort), uint32(p.DstPort)}] {
			t.Fatalf("reply %d to %#x:%d, want 192.0.2.1 and the port the NAT gave its flow", i, p.DstIP, p.DstPort)
		}
		replies++
	}
	if replies < c.Packets/3 {
		t.Errorf("%d replies", replies)
	}
}
