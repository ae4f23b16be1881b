// Package entryage is an adversarial NF (lock mode, stamps private to a
// core): a learning gate keyed by source MAC address that drops a packet
// when its source was last seen more than MaxIdle before it, read from
// Table.Time.
//
// MAC keys force locks. In lock mode a refresh made in a read pass is
// private to its core; a Time that read other cores' private stamps in a
// read pass could see a concurrent packet's refresh, and two such passes
// could each see the other's, which no sequential run does. Time
// therefore needs the write lock (maestro.Table.Time), and the parallel
// NF equals the sequential one on the recorded serialisation.
// Expected: {locks}.
package entryage

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
	// Timeout is how long a source is remembered without packets.
	Timeout time.Duration
	// MaxIdle is the longest gap a remembered source may leave between
	// two packets that pass (default 200µs).
	MaxIdle time.Duration
}

// Gate passes packets of sources seen recently, and first packets.
//
//maestro:nf
//maestro:ack MAE003 adversarial NF: it keys by MAC address on purpose, to run with locks
type Gate struct {
	//maestro:state
	seen *maestro.Table[maestro.MAC, struct{}]

	maxIdle int64
}

// New returns a Gate that knows no source.
func New(cfg Config) *Gate {
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = 200 * time.Microsecond
	}
	return &Gate{seen: maestro.NewTable[maestro.MAC, struct{}](8192, int64(cfg.Timeout)), maxIdle: int64(cfg.MaxIdle)}
}

// Process refreshes or remembers the packet's source and passes the
// packet to the other port unless its source was idle too long.
func (g *Gate) Process(p *maestro.Packet) maestro.Verdict {
	g.seen.Expire(p.Time)
	if p.InPort > WAN {
		return maestro.Drop
	}
	if i, ok := g.seen.Find(p.EthSrc); ok {
		idle := p.Time - g.seen.Time(i)
		g.seen.Refresh(i, p.Time)
		if idle > g.maxIdle {
			return maestro.Drop
		}
	} else if _, ok := g.seen.Insert(p.EthSrc, struct{}{}, p.Time); !ok {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	return maestro.Forward(LAN)
}
