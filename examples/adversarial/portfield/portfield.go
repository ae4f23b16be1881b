// Package portfield is an adversarial NF (class 3, key provenance): a
// limiter per (host, protocol) whose key is a struct built in a local
// variable, its host field set to p.SrcIP and then, on the WAN, rewritten
// to p.DstIP: a local whose stores reach the lookup along paths different
// ports take.
//
// Over every port at once the host field is SrcIP or DstIP, opaque
// (locks). Walked once per port, only the stores of that port's path
// reach the lookup: SrcIP on the LAN, DstIP on the WAN, one host per pair
// of ports, which RSS can serve. An analysis that kept the LAN's store on
// both ports would split a host's two directions across cores. Pinned:
// Expected: {shared-nothing}.
package portfield

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
	// Limit is how many packets a key may pass per window (default 4).
	Limit uint32
}

// key is a LAN host and a protocol.
type key struct {
	Host  uint32
	Proto uint8
	_     [3]byte // no padding: containers hash the key's bytes
}

// Limiter passes at most Limit packets per LAN host and protocol per
// window, both directions together.
//
//maestro:nf
type Limiter struct {
	//maestro:state
	budget *maestro.Table[key, uint32]

	limit uint32
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{budget: maestro.NewTable[key, uint32](8192, int64(cfg.Timeout)), limit: cfg.Limit}
}

// Process counts the packet against its key and passes it to the other
// port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() || p.InPort > WAN {
		return maestro.Drop
	}
	k := key{Host: p.SrcIP, Proto: p.Proto}
	out := WAN
	if p.InPort == WAN {
		k.Host = p.DstIP
		out = LAN
	}
	n := uint32(1)
	if i, ok := l.budget.Find(k); ok {
		n = l.budget.At(i) + 1
		l.budget.Set(i, n)
	} else if _, ok := l.budget.Insert(k, 1, p.Time); !ok {
		return maestro.Drop
	}
	if n > l.limit {
		return maestro.Drop
	}
	return maestro.Forward(out)
}
