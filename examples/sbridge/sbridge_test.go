package sbridge

import (
	"math/rand/v2"
	"testing"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

var (
	hostA = maestro.MAC{0x02, 0, 0, 0, 0, 0x0a} // on LAN
	hostB = maestro.MAC{0x02, 0, 0, 0, 0, 0x0b} // on WAN
	hostC = maestro.MAC{0x02, 0, 0, 0, 0, 0x0c} // on LAN
	hostU = maestro.MAC{0x02, 0, 0, 0, 0, 0xee} // unknown
	bcast = maestro.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	mcast = maestro.MAC{0x01, 0x00, 0x5e, 0, 0, 1}
)

func send(t *testing.T, b *SBridge, src, dst maestro.MAC, in maestro.Port) maestro.Verdict {
	t.Helper()
	data := maestro.AppendFrame(nil, maestro.Frame{EthSrc: src, EthDst: dst, SrcIP: 0x0a000001, DstIP: 0x0a000002, Proto: maestro.ProtoUDP, SrcPort: 1, DstPort: 2})
	before := append([]byte(nil), data...)
	var p maestro.Packet
	p.Reset(data, in, 0)
	v := b.Process(&p)
	if string(before) != string(data) {
		t.Errorf("bridge rewrote the frame")
	}
	return v
}

func newTestBridge() *SBridge {
	return New(Config{Entries: []Entry{{hostA, LAN}, {hostB, WAN}, {hostC, LAN}}})
}

func TestForwardFloodFilter(t *testing.T) {
	b := newTestBridge()
	cases := []struct {
		name     string
		src, dst maestro.MAC
		in       maestro.Port
		want     maestro.Verdict
	}{
		{"LAN to WAN host", hostA, hostB, LAN, maestro.Forward(WAN)},
		{"WAN to LAN host", hostB, hostA, WAN, maestro.Forward(LAN)},
		{"unknown source still forwarded", hostU, hostA, WAN, maestro.Forward(LAN)},
		{"unknown destination flooded", hostA, hostU, LAN, maestro.Flood},
		{"broadcast flooded", hostA, bcast, LAN, maestro.Flood},
		{"multicast flooded", hostB, mcast, WAN, maestro.Flood},
		{"same segment filtered", hostA, hostC, LAN, maestro.Drop},
		{"frame from the wrong side for its dst filtered", hostA, hostB, WAN, maestro.Drop},
	}
	for _, c := range cases {
		if got := send(t, b, c.src, c.dst, c.in); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// The table is only read: nothing was learned from the unknown source.
	if n := b.macs.Len(); n != 3 {
		t.Errorf("table has %d entries after traffic, want 3", n)
	}
	if _, ok := b.macs.Get(hostU); ok {
		t.Errorf("static bridge learned a source MAC")
	}
}

func TestNonIPFramesAreSwitched(t *testing.T) {
	b := newTestBridge()
	data := maestro.AppendFrame(nil, maestro.Frame{EthSrc: hostA, EthDst: hostB})
	data[12], data[13] = 0x08, 0x06 // ARP: a bridge switches any EtherType
	var p maestro.Packet
	p.Reset(data, LAN, 0)
	if v := b.Process(&p); v != maestro.Forward(WAN) {
		t.Errorf("ARP frame: got %v, want forward(1)", v)
	}
	p.Reset(data[:10], LAN, 0)
	if v := b.Process(&p); v != maestro.Drop {
		t.Errorf("truncated frame: got %v, want drop", v)
	}
}

func TestLastEntryWinsAndCapacity(t *testing.T) {
	b := New(Config{Capacity: 1, Entries: []Entry{{hostA, LAN}, {hostB, WAN}, {hostA, WAN}}})
	if got := send(t, b, hostB, hostA, LAN); got != maestro.Forward(WAN) {
		t.Errorf("duplicate MAC: got %v, want the last entry's port", got)
	}
	if got := send(t, b, hostA, hostB, LAN); got != maestro.Forward(WAN) {
		t.Errorf("capacity below entry count lost an entry: got %v", got)
	}
}

func TestParseEntries(t *testing.T) {
	es, err := ParseEntries("02:00:00:00:00:0a=0, 02:00:00:00:00:0B=1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{hostA, 0}, {hostB, 1}}
	if len(es) != len(want) || es[0] != want[0] || es[1] != want[1] {
		t.Errorf("got %v, want %v", es, want)
	}
	if es, err := ParseEntries(""); err != nil || len(es) != 0 {
		t.Errorf("empty: got %v, %v", es, err)
	}
	for _, bad := range []string{"02:00:00:00:00:0a", "02:00:00:00:0a=1", "02:00:00:00:00:zz=1", "02:00:00:00:00:0a=x", "02:00:00:00:00:0a=70000", "2:0:0:0:0:a=1"} {
		if _, err := ParseEntries(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	const flows = 40000
	r := rand.New(rand.NewPCG(1, 2))
	// Every host is in the static table, half on each side; a flow is a
	// pair of hosts, sent from the source's side.
	hosts := make([]maestro.MAC, flows)
	var entries []Entry
	for i := range hosts {
		hosts[i] = maestro.MAC{0x02, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		entries = append(entries, Entry{hosts[i], maestro.Port(i % 2)})
	}
	nf := New(Config{Entries: entries})
	order := benchtrace.UniformOrder(r, flows, 2)
	tr := benchtrace.New(len(order), func(i int) (maestro.Frame, maestro.Port) {
		s, d := order[i], r.IntN(flows)
		return maestro.Frame{EthSrc: hosts[s], EthDst: hosts[d], SrcIP: uint32(s), DstIP: uint32(d), Proto: maestro.ProtoUDP, SrcPort: 1000, DstPort: 2000, Size: 60}, maestro.Port(s % 2)
	})
	tr.Run(b, nf)
}
