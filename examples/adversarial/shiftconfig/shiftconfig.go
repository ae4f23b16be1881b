// Package shiftconfig is an adversarial NF (issue 11, class 3): a limiter
// per client network, keyed by p.SrcIP >> shift with the prefix length
// taken from the configuration: which bits of SrcIP the key keeps is not
// known statically.
//
// An analysis that treats a shift by a non-constant as the identity (or as
// a shift by 0) shards on every SrcIP bit, and the clients of one network
// reach different cores. Only bits the shift never drops could be hashed,
// and they are unknown: locks. Expected: {locks}.
package shiftconfig

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
	// Shift is 32 minus the client prefix length (default 8: /24).
	Shift uint8
}

// Limiter passes at most Limit packets per key per window: a key's window
// opens with its first packet and lasts Timeout.
//
//maestro:nf
//maestro:ack MAE002 adversarial NF: its key hides the packet fields on purpose, and locks is the sound outcome TestAdversarial expects
type Limiter struct {
	//maestro:state
	budget *maestro.Table[uint32, uint32]

	limit uint32
	shift uint8
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Shift == 0 {
		cfg.Shift = 8
	}
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget: maestro.NewTable[uint32, uint32](8192, int64(cfg.Timeout)),
		limit:  cfg.Limit,
		shift:  cfg.Shift,
	}
}

// Process counts the packet against its key's budget and passes it to the
// other port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	k := p.SrcIP >> l.shift // the client's network, /(32-shift)
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
