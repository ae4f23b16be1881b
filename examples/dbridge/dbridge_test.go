package dbridge

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

var (
	hostA = maestro.MAC{0x02, 0, 0, 0, 0, 0x0a}
	hostB = maestro.MAC{0x02, 0, 0, 0, 0, 0x0b}
	hostC = maestro.MAC{0x02, 0, 0, 0, 0, 0x0c}
	bcast = maestro.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
)

const sec = int64(time.Second)

func send(t *testing.T, b *DBridge, src, dst maestro.MAC, in maestro.Port, now int64) maestro.Verdict {
	t.Helper()
	data := maestro.AppendFrame(nil, maestro.Frame{EthSrc: src, EthDst: dst, SrcIP: 0x0a000001, DstIP: 0x0a000002, Proto: maestro.ProtoUDP, SrcPort: 1, DstPort: 2})
	before := string(data)
	var p maestro.Packet
	p.Reset(data, in, now)
	v := b.Process(&p)
	if before != string(data) {
		t.Errorf("bridge rewrote the frame")
	}
	return v
}

func expect(t *testing.T, what string, got, want maestro.Verdict) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestLearnAndFlood(t *testing.T) {
	b := New(Config{Timeout: 10 * time.Second})
	expect(t, "A->B, nothing learned", send(t, b, hostA, hostB, LAN, 0), maestro.Flood)
	expect(t, "B->A, A learned on LAN", send(t, b, hostB, hostA, WAN, 1), maestro.Forward(LAN))
	expect(t, "A->B, B learned on WAN", send(t, b, hostA, hostB, LAN, 2), maestro.Forward(WAN))
	expect(t, "A->C, C unknown", send(t, b, hostA, hostC, LAN, 3), maestro.Flood)
	expect(t, "A->broadcast", send(t, b, hostA, bcast, LAN, 4), maestro.Flood)
	expect(t, "C->A on A's segment: filtered", send(t, b, hostC, hostA, LAN, 5), maestro.Drop)
	if n := b.macs.Len(); n != 3 {
		t.Errorf("learned %d MACs, want 3", n)
	}
}

func TestGroupSourceNotLearned(t *testing.T) {
	b := New(Config{})
	send(t, b, bcast, hostA, WAN, 0)
	if n := b.macs.Len(); n != 0 {
		t.Fatalf("learned a broadcast source (%d entries)", n)
	}
	expect(t, "to broadcast", send(t, b, hostA, bcast, LAN, 1), maestro.Flood)
}

func TestExpiry(t *testing.T) {
	b := New(Config{Timeout: 10 * time.Second})
	send(t, b, hostA, hostB, LAN, 0)
	send(t, b, hostB, hostA, WAN, 0)
	// A keeps talking, B goes silent.
	send(t, b, hostA, hostB, LAN, 6*sec)
	expect(t, "B before its timeout", send(t, b, hostA, hostB, LAN, 10*sec-1), maestro.Forward(WAN))
	expect(t, "B after its timeout", send(t, b, hostA, hostB, LAN, 10*sec), maestro.Flood)
	// A was refreshed at 10s-1 and 10s (sending those frames) and is alive.
	expect(t, "A refreshed by its own frames", send(t, b, hostC, hostA, WAN, 19*sec), maestro.Forward(LAN))
	if n := b.macs.Len(); n != 2 {
		t.Errorf("%d entries after expiry, want A and C", n)
	}
	expect(t, "everything expired", send(t, b, hostB, hostA, WAN, 40*sec), maestro.Flood)
	if n := b.macs.Len(); n != 1 {
		t.Errorf("%d entries, want only B (just learned)", n)
	}
}

func TestMovedHost(t *testing.T) {
	b := New(Config{})
	send(t, b, hostA, bcast, LAN, 0)
	send(t, b, hostB, bcast, WAN, 1)
	expect(t, "B->A before the move", send(t, b, hostB, hostA, WAN, 2), maestro.Forward(LAN))
	// A shows up behind the WAN port.
	expect(t, "A->B after the move: same segment", send(t, b, hostA, hostB, WAN, 3), maestro.Drop)
	expect(t, "B->A after the move: filtered", send(t, b, hostB, hostA, WAN, 4), maestro.Drop)
	expect(t, "C on LAN -> A follows the move", send(t, b, hostC, hostA, LAN, 5), maestro.Forward(WAN))
	if n := b.macs.Len(); n != 3 {
		t.Errorf("%d entries, want 3 (the move must update, not add)", n)
	}
}

func TestFullTableStillForwards(t *testing.T) {
	b := New(Config{Capacity: 2})
	send(t, b, hostA, bcast, LAN, 0)
	send(t, b, hostB, bcast, WAN, 0)
	send(t, b, hostC, bcast, LAN, 0) // not learned: table full
	expect(t, "to unlearned C", send(t, b, hostB, hostC, WAN, 1), maestro.Flood)
	expect(t, "to learned A", send(t, b, hostB, hostA, WAN, 1), maestro.Forward(LAN))
}

func BenchmarkProcess(b *testing.B) {
	const flows = 40000
	r := rand.New(rand.NewPCG(1, 2))
	hosts := make([]maestro.MAC, flows)
	for i := range hosts {
		hosts[i] = maestro.MAC{0x02, 0, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
	}
	// Flow f goes from host f, on port f%2, to a random host: the bridge
	// learns all 40,000 sources and forwards to learned destinations.
	order := benchtrace.UniformOrder(r, flows, 2)
	tr := benchtrace.New(len(order), func(i int) (maestro.Frame, maestro.Port) {
		s, d := order[i], r.IntN(flows)
		return maestro.Frame{EthSrc: hosts[s], EthDst: hosts[d], SrcIP: uint32(s), DstIP: uint32(d), Proto: maestro.ProtoUDP, SrcPort: 1000, DstPort: 2000, Size: 60}, maestro.Port(s % 2)
	})
	tr.Run(b, New(Config{}))
}
