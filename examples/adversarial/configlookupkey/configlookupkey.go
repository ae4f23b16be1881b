// Package configlookupkey is an adversarial NF (issue 11, class 3): a
// per-class limiter whose key is looked up in a configuration table indexed
// by packet data, class[p.DstPort>>8]. Many services share a class.
//
// An analysis that takes an index expression for its index shards by
// DstPort: services of one class reach different cores and split its
// budget. The key is opaque (a table lookup): locks. Expected: {locks}.
package configlookupkey

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
	// Timeout is the length of a key's budget window.
	Timeout time.Duration
	// Limit is how many packets a key may send per window (default 4).
	Limit uint32
	// Class maps the high byte of a service port to its traffic class
	// (default: the high byte modulo 4).
	Class *[256]uint8
}

// Limiter passes at most Limit packets per key per window: a key's window
// opens with its first packet and lasts Timeout.
//
//maestro:nf
//maestro:ack MAE003 adversarial NF: its key has no field RSS can hash on purpose, and locks is the sound outcome TestAdversarial expects
type Limiter struct {
	//maestro:state
	budget *maestro.Table[uint8, uint32]

	limit uint32
	class [256]uint8
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	var class [256]uint8
	for i := range class {
		class[i] = uint8(i % 4)
		if cfg.Class != nil {
			class[i] = cfg.Class[i]
		}
	}
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget: maestro.NewTable[uint8, uint32](8192, int64(cfg.Timeout)),
		limit:  cfg.Limit,
		class:  class,
	}
}

// Process counts the packet against its key's budget and passes it to the
// other port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	k := l.class[p.DstPort>>8] // traffic class of the service
	n := uint32(1)
	if i, ok := l.budget.Find(k); ok {
		n = l.budget.At(i) + 1
		l.budget.Set(i, n)
	} else if _, ok := l.budget.Insert(k, n, p.Time); !ok {
		return maestro.Drop
	}
	if n > l.limit {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	return maestro.Forward(LAN)
}
