// Package xorsymmetric is a negative control of the adversarial suite
// (issue 11, "sound sharding refused today"): a limiter with one budget per
// pair of hosts, keyed by the classic symmetric key p.SrcIP ^ p.DstIP on
// both ports.
//
// Toeplitz is linear: with equal key windows for SrcIP and DstIP (and the
// L4 ports not hashed), the queue is a function of SrcIP ^ DstIP, so
// sharding is sound; locks are sound too. Expected: {shared-nothing,
// locks}.
package xorsymmetric

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
	budget *maestro.Table[uint32, uint32]

	limit uint32
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget: maestro.NewTable[uint32, uint32](8192, int64(cfg.Timeout)),
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
	k := p.SrcIP ^ p.DstIP // one budget per host pair, whichever the direction
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
