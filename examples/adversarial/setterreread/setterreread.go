// Package setterreread is an adversarial NF (issue 11, class 3): LAN
// packets are steered to one backend with p.SetDstIP(backend), and the
// limiter then keys on p.DstIP, which the setter just rewrote: every LAN
// packet has the same key, the configured backend.
//
// An analysis that takes p.DstIP for the received field shards LAN
// packets by their original destination, and the single backend budget is
// split over the cores. Sound: locks (the LAN key is a configuration
// value). Expected: {locks}.
package setterreread

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
	// Backend is the address LAN packets are steered to (default 10.9.9.9).
	Backend uint32
}

// Limiter passes at most Limit packets per key per window: a key's window
// opens with its first packet and lasts Timeout.
//
//maestro:nf
//maestro:ack MAE002 adversarial NF: its key hides the packet fields on purpose, and locks is the sound outcome TestAdversarial expects
type Limiter struct {
	//maestro:state
	budget *maestro.Table[uint32, uint32]

	limit   uint32
	backend uint32
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Backend == 0 {
		cfg.Backend = 0x0a090909
	}
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget:  maestro.NewTable[uint32, uint32](8192, int64(cfg.Timeout)),
		limit:   cfg.Limit,
		backend: cfg.Backend,
	}
}

// Process counts the packet against its key's budget and passes it to the
// other port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		p.SetDstIP(l.backend) // steer every LAN packet to the backend
	}
	k := p.DstIP // per destination, as it leaves
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
