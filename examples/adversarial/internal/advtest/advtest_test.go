package advtest

import (
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// ordered checks what the harness needs of a trace: times never go back,
// every frame is on a port below NumPorts and parses as IPv4.
func ordered(t *testing.T, tr maestrotest.Trace) []maestro.Packet {
	t.Helper()
	var last int64
	var ps []maestro.Packet
	for i, f := range tr.Trace.Frames {
		if f.Time < last {
			t.Fatalf("%s: frame %d goes back in time", tr.Name, i)
		}
		last = f.Time
		if int(f.Port) >= tr.Trace.NumPorts {
			t.Fatalf("%s: frame %d on port %d of %d", tr.Name, i, f.Port, tr.Trace.NumPorts)
		}
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if !p.IsIPv4() {
			t.Fatalf("%s: frame %d does not parse: %v", tr.Name, i, p.Reason)
		}
		ps = append(ps, p)
	}
	return ps
}

func TestWithICMP(t *testing.T) {
	base := Bidir(t, "bidir")
	tr := WithICMP(base, 4, 0)
	ps := ordered(t, tr)
	icmp, srcs := 0, map[uint32]bool{}
	for _, p := range ps {
		if p.Proto == maestro.ProtoICMP {
			icmp++
			srcs[p.SrcIP] = true
		}
	}
	if want := len(base.Trace.Frames) / 4; icmp != want || len(srcs) < want/2 {
		t.Errorf("%d ICMP frames from %d sources, want %d from many", icmp, len(srcs), want)
	}
}

func TestWithSpoofed(t *testing.T) {
	const ext, start = 0xc0000201, 32768
	tr := WithSpoofed(Bidir(t, "bidir"), 4, 1, ext, start, 512)
	n := 0
	for _, p := range ordered(t, tr) {
		if p.DstIP == ext {
			n++
			if p.InPort != 1 || p.DstPort < start || p.DstPort >= start+512 {
				t.Fatalf("spoofed frame on port %d to port %d", p.InPort, p.DstPort)
			}
		}
	}
	if n == 0 {
		t.Error("no spoofed frame")
	}
}

func TestHeartbeat(t *testing.T) {
	const timeout = 2_000_000
	ps := ordered(t, Heartbeat("hb", timeout, 0x02))
	// Every reply comes more than a timeout after its flow's packet, while
	// heartbeats keep arriving in between.
	sent := map[maestro.FlowID]int64{}
	var lastHB int64
	replies := 0
	for _, p := range ps {
		switch {
		case p.InPort == 0 && p.Proto == maestro.ProtoTCP:
			lastHB = p.Time
		case p.InPort == 0:
			sent[p.Flow()] = p.Time
		default:
			at, ok := sent[p.Flow().Reverse()]
			if !ok || p.Time-at <= timeout || lastHB <= at+timeout {
				t.Fatalf("reply at %d: flow sent at %d (%v), last heartbeat %d", p.Time, at, ok, lastHB)
			}
			replies++
		}
	}
	if replies == 0 {
		t.Error("no replies")
	}
}

func TestMovePortAndPools(t *testing.T) {
	tr := MovePort("moved", Bidir(t, "bidir"), OddServerMoves(0, 2))
	on2 := 0
	for _, p := range ordered(t, tr) {
		if p.InPort == 2 {
			on2++
			if p.SrcIP&1 != 1 {
				t.Fatalf("port 2 frame from even server %#x", p.SrcIP)
			}
		}
	}
	if on2 == 0 || tr.Trace.NumPorts != 3 {
		t.Errorf("%d frames on port 2 of %d ports", on2, tr.Trace.NumPorts)
	}
	pools := ordered(t, SmallPools("pools", Pools{Src: 0x0a000000, SrcBits: 4, Dst: 0x0b000000, DstBits: 4, Replies: true}))
	for _, p := range pools {
		client, server := p.SrcIP, p.DstIP
		if p.InPort == 1 {
			client, server = server, client
		}
		if client>>4 != 0x0a000000>>4 || server>>4 != 0x0b000000>>4 {
			t.Fatalf("port %d: %#x -> %#x outside the pools", p.InPort, p.SrcIP, p.DstIP)
		}
	}
}
