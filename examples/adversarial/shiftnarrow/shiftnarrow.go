// Package shiftnarrow is an adversarial NF (issue 11, class 3: key
// provenance): a limiter keyed by uint8(p.SrcIP >> 16), a shift followed by
// a narrowing conversion. The key is bits 16-23 of the source address.
//
// An analysis that gets the shift or the narrowing wrong (keeping the low 8
// bits, or the high 16) shards on bits the key does not keep, or misses
// bits it does: packets of one key then reach several cores and each core
// counts only part of the budget. Sharding exactly on SrcIP bits 16-23 is
// sound, and so are locks. Expected: {shared-nothing, locks}.
package shiftnarrow

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
}

// Limiter passes at most Limit packets per key per window: a key's window
// opens with its first packet and lasts Timeout.
//
//maestro:nf
type Limiter struct {
	//maestro:state
	budget *maestro.Table[uint8, uint32]

	limit uint32
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget: maestro.NewTable[uint8, uint32](8192, int64(cfg.Timeout)),
		limit:  cfg.Limit,
	}
}

// Process counts the packet against its key's budget and passes it to the
// other port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	k := uint8(p.SrcIP >> 16) // per /16 of the 10/8 LAN: the third octet
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
