// Package portgap is an adversarial NF (class 4, ports): a limiter that
// tells only port 1 apart (p.InPort == 1, a literal: the package declares
// no port constants). Port 1 counts against the destination's budget;
// every other port, port 0 included, against the source's.
//
// The analysis sees ports {1} and the default port, which stands for
// every port the NF does not tell apart, port 0 included. A generator
// that gives port 0 a configuration of its own (it lies below the highest
// port named) solves it under no constraint, and port 0's packets spread
// by fields the state is not keyed by. Port 0 must be dispatched by the
// default port's configuration. Sharding is sound and pinned (locks would
// hide the pattern). Expected: {shared-nothing}.
package portgap

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// Config configures the NF.
type Config struct {
	// Timeout is the length of a host's budget window.
	Timeout time.Duration
	// Limit is how many packets a host may send or receive per window
	// (default 4).
	Limit uint32
}

// Limiter passes at most Limit packets per host per window: a host's
// window opens with its first packet and lasts Timeout.
//
//maestro:nf
type Limiter struct {
	//maestro:state
	budget *maestro.Table[uint32, uint32]

	limit uint32
}

// New returns a Limiter with no hosts.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{budget: maestro.NewTable[uint32, uint32](8192, int64(cfg.Timeout)), limit: cfg.Limit}
}

// Process counts the packet against its host's budget and passes it,
// from port 1 to port 0 and from any other port to port 1, while the
// budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == 1 {
		if l.count(p.DstIP, p.Time) > l.limit {
			return maestro.Drop
		}
		return maestro.Forward(0)
	}
	if l.count(p.SrcIP, p.Time) > l.limit {
		return maestro.Drop
	}
	return maestro.Forward(1)
}

// count adds one packet to host's budget and returns its count.
func (l *Limiter) count(host uint32, now int64) uint32 {
	if i, ok := l.budget.Find(host); ok {
		n := l.budget.At(i) + 1
		l.budget.Set(i, n)
		return n
	}
	if _, ok := l.budget.Insert(host, 1, now); !ok {
		return l.limit + 1
	}
	return 1
}
