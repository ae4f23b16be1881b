// Package expirecount is an adversarial NF (class 10, results that count
// other keys' entries): a gate keyed by source address that holds every
// packet back for the instant in which any host's entry expires, read from
// the count Table.Expire returns.
//
// Every access is keyed by p.SrcIP, so an analysis that looks only at keys
// shards on it. But the count covers every host's entries: per-core tables
// expire only their core's hosts, so a packet would be dropped when a host
// of its own core expires and not when one of another core does. Locks
// (one table) keep the sequential count. Expected: {locks}.
package expirecount

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
	// Timeout is how long a host is remembered without packets.
	Timeout time.Duration
}

// Gate passes packets between LAN and WAN, except on a packet whose Expire
// removed an entry.
//
//maestro:nf
//maestro:ack MAE021 adversarial NF: it reads the count Expire returns on purpose, and locks is the sound outcome TestAdversarial expects
type Gate struct {
	//maestro:state
	hosts *maestro.Table[uint32, struct{}]
}

// New returns a Gate that knows no host.
func New(cfg Config) *Gate {
	return &Gate{hosts: maestro.NewTable[uint32, struct{}](8192, int64(cfg.Timeout))}
}

// Process drops the packet if expiring the table removed any host's entry,
// else remembers its source and passes it to the other port.
func (g *Gate) Process(p *maestro.Packet) maestro.Verdict {
	if g.hosts.Expire(p.Time) > 0 {
		return maestro.Drop
	}
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if i, ok := g.hosts.Find(p.SrcIP); ok {
		g.hosts.Refresh(i, p.Time)
	} else if _, ok := g.hosts.Insert(p.SrcIP, struct{}{}, p.Time); !ok {
		return maestro.Drop
	}
	switch p.InPort {
	case LAN:
		return maestro.Forward(WAN)
	case WAN:
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
