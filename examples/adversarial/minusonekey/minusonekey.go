// Package minusonekey is an adversarial NF (issue 11, class 3): a
// per-client limiter keyed by int64(p.SrcIP), where a helper returns the
// sentinel -1 for packets without ports (ICMP, fragments), and -1 is then
// used as a map key like any other: all port-less packets share one
// budget.
//
// An analysis that keeps only the packet-field side of the helper's phi
// shards by SrcIP, and the port-less packets, which share key -1 but are
// hashed on their addresses, reach different cores. Sound: locks, or
// shared-nothing only if every port-less packet reaches one core (the NIC
// hashes them as plain IPv4: a configuration that hashes no field for
// plain IPv4 sends them all to the queue of hash 0). Expected:
// {shared-nothing, locks}.
package minusonekey

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
	budget *maestro.Table[int64, uint32]

	limit uint32
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget: maestro.NewTable[int64, uint32](8192, int64(cfg.Timeout)),
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
	k := clientKey(p)
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

// clientKey returns the client address as a key, or -1 for packets
// without ports.
func clientKey(p *maestro.Packet) int64 {
	if !p.HasPorts() {
		return -1
	}
	return int64(p.SrcIP)
}
