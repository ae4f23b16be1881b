// Package phifields is an adversarial NF (issue 11, class 3): a limiter
// whose key is SrcIP for TCP and DstIP for everything else, one phi of two
// different packet fields. A host's budget is shared by the TCP packets it
// sends and the other packets it receives.
//
// An analysis that keeps one side of the phi shards by that field alone,
// and a host's TCP packets and UDP replies reach different cores. A key is
// shardable at a phi only if every incoming value comes from the same
// packet fields; here a sound shared-nothing plan would need the TCP and
// UDP queues to depend on SrcIP and DstIP alike. Expected:
// {shared-nothing, locks}.
package phifields

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
//maestro:ack MAE002 adversarial NF: its key hides the packet fields on purpose, and locks is the sound outcome TestAdversarial expects
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
	var k uint32
	switch p.Proto {
	case maestro.ProtoTCP:
		k = p.SrcIP // TCP: budget of the client
	default:
		k = p.DstIP // anything else: budget of the destination
	}
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
