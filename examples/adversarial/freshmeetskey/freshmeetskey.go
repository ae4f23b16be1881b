// Package freshmeetskey is an adversarial NF (issue 11, class 3): a Vector
// written at indexes an Allocator hands out on LAN, and read on WAN at an
// index taken from the packet (the low byte of the destination port).
//
// Each core of a shared-nothing NF allocates from its own copy, so an
// allocated index is core-local; a WAN packet's index is wherever RSS sends
// it. The two name the same elements from different cores: the analysis must
// not treat allocated indexes as constraint-free when they meet packet keys.
// Expected: {locks}.
package freshmeetskey

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures the NF.
type Config struct {
	Timeout time.Duration // slot lifetime without traffic
}

// Tagger hands each new LAN packet a slot and marks it; WAN packets pass
// when the slot named by their destination port's low byte is marked.
//
//maestro:nf
//maestro:ack MAE003 adversarial NF: its key has no field RSS can hash on purpose, and locks is the sound outcome TestAdversarial expects
type Tagger struct {
	//maestro:state
	slots *maestro.Allocator
	//maestro:state
	marks *maestro.Vector[uint8]
}

// New returns a Tagger with 256 slots.
func New(cfg Config) *Tagger {
	return &Tagger{slots: maestro.NewAllocator(256, int64(cfg.Timeout)), marks: maestro.NewVector[uint8](256)}
}

// Process marks a slot per LAN packet and checks WAN packets against it.
func (t *Tagger) Process(p *maestro.Packet) maestro.Verdict {
	t.slots.Expire(p.Time)
	if p.InPort == LAN {
		if s, ok := t.slots.Allocate(p.Time); ok {
			t.marks.Set(s, 1)
		}
		return maestro.Forward(WAN)
	}
	if t.marks.At(int(p.DstPort&0xff)) == 1 {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
