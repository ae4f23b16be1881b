// Package sketchcollide is an adversarial NF (class 10, results that count
// other keys' entries): a limiter that counts packets per source address
// in a count-min sketch and drops a source once its estimate passes the
// limit.
//
// Every access is keyed by p.SrcIP, so an analysis that looks only at keys
// shards on it. But an estimate adds the counts of every source that
// shares its counters: per-core sketches see only their core's sources, so
// their estimates are lower than the sequential sketch's and a source the
// sequential NF drops passes. No RSS key can put every pair of colliding
// sources on one core. Locks (one sketch) keep the sequential estimates.
// Expected: {locks}. (An author who accepts per-core estimates says so
// with //maestro:state per-core-estimates, as examples/cl does.)
package sketchcollide

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
	// Timeout is how long a counter lives without packets.
	Timeout time.Duration
	// Limit is how many packets a source may send per window (default 8).
	Limit uint32
	// Width is the number of counters per sketch row (default 64: small,
	// so that sources collide).
	Width int
}

// Limiter drops the packets of a source whose estimated count passes the
// limit.
//
//maestro:nf
//maestro:ack MAE021 adversarial NF: it reads a sketch estimate on purpose, and locks is the sound outcome TestAdversarial expects
type Limiter struct {
	//maestro:state
	counts *maestro.CountMin[uint32]

	limit uint32
}

// New returns a Limiter with an empty sketch.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 8
	}
	if cfg.Width <= 0 {
		cfg.Width = 64
	}
	return &Limiter{counts: maestro.NewCountMin[uint32](cfg.Width, 2, int64(cfg.Timeout)), limit: cfg.Limit}
}

// Process counts the packet against its source and passes it to the other
// port while the source's estimate is within the limit.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if l.counts.Add(p.SrcIP, 1, p.Time) > l.limit {
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
