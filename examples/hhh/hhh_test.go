package hhh

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

const (
	sec    = int64(time.Second)
	size   = 100        // bytes per test frame
	net28  = 0xc6336410 // 198.51.100.16/28
	victim = 0x0a000001
)

func send(h *HHH, in maestro.Port, src uint32, now int64) maestro.Verdict {
	data := maestro.AppendFrame(nil, maestro.Frame{SrcIP: src, DstIP: victim, Proto: maestro.ProtoUDP, SrcPort: 1, DstPort: 2, Size: size})
	var p maestro.Packet
	p.Reset(data, in, now)
	return h.Process(&p)
}

func burst(h *HHH, src uint32, n int, now int64) int {
	passed := 0
	for range n {
		if send(h, WAN, src, now) == maestro.Forward(LAN) {
			passed++
		}
	}
	return passed
}

// testHHH polices each /28 to 4 packets of burst and each /32 to 2; both
// refill at 10 packets per second.
func testHHH() *HHH {
	return New(Config{Levels: []Level{{Bits: 28, Rate: 10 * size, Burst: 4 * size}, {Bits: 32, Rate: 10 * size, Burst: 2 * size}}})
}

func TestHeavyHostAndHeavyPrefix(t *testing.T) {
	h := testHHH()
	// A heavy host is cut at its /32 allowance...
	if got := burst(h, net28+1, 5, 0); got != 2 {
		t.Fatalf("heavy host: %d of 5 passed, want 2", got)
	}
	// ...and its dropped packets were not charged to its /28, so a light
	// neighbour still gets the rest of the /28's burst.
	if got := burst(h, net28+2, 2, 0); got != 2 {
		t.Errorf("neighbour in the same /28: %d of 2 passed", got)
	}
	// Now the /28 as a whole is over its rate, though this host sent
	// nothing yet.
	if got := burst(h, net28+3, 1, 0); got != 0 {
		t.Errorf("host in an exhausted /28 passed")
	}
	// Other prefixes are unaffected; LAN traffic passes.
	if got := burst(h, net28+16, 2, 0); got != 2 {
		t.Errorf("host in the next /28: %d of 2 passed", got)
	}
	if v := send(h, LAN, net28+1, 0); v != maestro.Forward(WAN) {
		t.Errorf("LAN packet: %v", v)
	}
	// 200ms later the /28 has earned 2 packets and each /32 two.
	if got := burst(h, net28+3, 5, sec/5); got != 2 {
		t.Errorf("after refill: %d passed, want 2", got)
	}
}

func TestDefaultLevels(t *testing.T) {
	want := []Level{{28, 4_000_000, 400_000}, {30, 2_000_000, 200_000}, {32, 1_000_000, 100_000}}
	got := DefaultConfig().Levels
	if len(got) != len(want) {
		t.Fatalf("levels %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("level %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	h := New(Config{})
	if h.n != 3 || h.levels[0].mask != 0xfffffff0 || h.levels[1].mask != 0xfffffffc || h.levels[2].mask != 0xffffffff {
		t.Errorf("masks %#x %#x %#x", h.levels[0].mask, h.levels[1].mask, h.levels[2].mask)
	}
	// A /30 of the default config passes twice a /32's burst of 1000 frames.
	if got := burst(h, net28, 1500, 0) + burst(h, net28+1, 1500, 0); got != 2000 {
		t.Errorf("two hosts of one /30: %d frames passed, want 2000", got)
	}
}

func TestFourLevelsAndShortestPrefix(t *testing.T) {
	h := New(Config{Levels: []Level{{MinPrefix, size, 8 * size}, {24, size, 6 * size}, {28, size, 4 * size}, {32, size, 2 * size}}})
	if got := burst(h, 0x01020301, 3, 0); got != 2 {
		t.Errorf("/32 of a four-level HHH: %d", got)
	}
	if got := burst(h, 0x01020311, 3, 0) + burst(h, 0x01020321, 3, 0); got != 4 {
		t.Errorf("/24 limit: %d", got)
	}
	if got := burst(h, 0x01020401, 3, 0); got != 2 {
		t.Errorf("/16 limit: %d", got)
	}
	if got := burst(h, 0x0102f001, 3, 0); got != 0 {
		t.Errorf("/16 exhausted: %d", got)
	}
	if got := burst(h, 0x01030001, 3, 0); got != 2 {
		t.Errorf("another /16 limited by the first: %d", got)
	}
}

func TestFullLevelDrops(t *testing.T) {
	h := New(Config{Capacity: 2, Levels: []Level{{28, size, 4 * size}, {32, size, 2 * size}}})
	burst(h, net28+1, 1, 0)
	burst(h, net28+2, 1, 0) // /32 table now full
	if got := burst(h, net28+3, 1, 0); got != 0 {
		t.Errorf("untrackable /32 passed")
	}
	if got := burst(h, net28+1, 1, 0); got != 1 {
		t.Errorf("tracked /32 dropped")
	}
}

func TestExpiry(t *testing.T) {
	h := New(Config{Timeout: time.Second, Levels: []Level{{32, 1, 2 * size}}})
	burst(h, net28, 3, 0)
	if got := burst(h, net28, 1, sec-1); got != 0 {
		t.Fatal("refilled too fast")
	}
	if got := burst(h, net28, 3, 2*sec); got != 2 {
		t.Errorf("after expiry: %d, want a full burst of 2", got)
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	bad := []Config{
		{Levels: []Level{{33, 1, 1}}},
		{Levels: []Level{{32, 0, 1}}},
		{Levels: []Level{{32, 1, MaxBurst + 1}}},
		{Levels: LevelsFor([]int{8, 16, 24, 28, 32}, 1, 1)},
	}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	// WAN flows from 40,000 sources, one packet in eight from the LAN.
	benchtrace.Flows(WAN, LAN).Run(b, New(Config{}))
}
