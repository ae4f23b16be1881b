// Package subconfigmask is an adversarial NF (issue 11, class 3): a
// limiter per block of 256 clients counted from a configured base address
// that need not be /24-aligned: k := (p.SrcIP - base) & 0xffffff00. The
// subtraction borrows from the low byte into the kept bits, so the key
// depends on every bit of SrcIP.
//
// An analysis that treats - with a configuration value as the identity
// shards on SrcIP/24, and the clients of one block, which straddle two
// /24s, reach different cores. Sharding on the whole SrcIP is sound, and
// so are locks. Expected: {shared-nothing, locks}.
package subconfigmask

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
	// Base is the first client address (default 10.0.0.128).
	Base uint32
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
	base  uint32
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Base == 0 {
		cfg.Base = 0x0a000080
	}
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget: maestro.NewTable[uint32, uint32](8192, int64(cfg.Timeout)),
		limit:  cfg.Limit,
		base:   cfg.Base,
	}
}

// Process counts the packet against its key's budget and passes it to the
// other port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	k := (p.SrcIP - l.base) & 0xffffff00 // block of 256 clients, counted from the configured base
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
