// Package cl is a connection limiter. It tracks LAN-initiated flows by
// 5-tuple and counts, in a count-min sketch, how many flows each (LAN source
// IP, WAN destination IP) pair has opened recently. A new flow whose pair has
// already opened Threshold flows is dropped; packets of flows already
// admitted always pass (until the flow expires). WAN->LAN traffic passes.
//
// A pair's count decays as a whole: it reads as zero once the pair has opened
// no flow for Timeout (the sketch's counters expire by idleness), so a client
// that stops opening connections regains its full allowance.
//
// State: a Table keyed by the 5-tuple and a CountMin keyed by (src IP, dst
// IP), both accessed only on the LAN side, so an RSS key that spreads on the
// (src, dst) address pair lets the limiter run shared-nothing.
//
// A sketch's estimate also counts the pairs that share its counters, so
// per-core sketches cannot give exactly the sequential sketch's estimates:
// the field is marked //maestro:state per-core-estimates, the paper's
// choice. A core's sketch counts the pairs its packets carry only, so an
// estimate is never below the pair's own count and may be below the
// sequential NF's (fewer collisions): the parallel limiter then admits a
// flow the sequential one drops, when collisions alone would have pushed
// the pair over Threshold. Without the option, Maestro runs CL with locks
// (MAE021).
package cl

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The limiter's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a CL.
type Config struct {
	// Threshold is the number of flows a (source, destination) pair may open
	// per Timeout; further new flows are dropped (default 64).
	Threshold int
	// Capacity is the maximum number of admitted flows (default 65536). A
	// full flow table drops new flows and keeps the existing ones.
	Capacity int
	// Timeout is how long a flow lives without packets and how long a
	// pair's count lives without new flows (default 10s).
	Timeout time.Duration
	// SketchWidth is the number of counters per sketch row (default 65536).
	SketchWidth int
	// SketchDepth is the number of sketch rows (default 4).
	SketchDepth int
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config {
	return Config{Threshold: 64, Capacity: 65536, Timeout: 10 * time.Second, SketchWidth: 65536, SketchDepth: 4}
}

// pair is the sketch key: the two addresses of a connection.
type pair struct {
	Src, Dst uint32
}

// CL is the connection limiter.
//
//maestro:nf
type CL struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
	//maestro:state per-core-estimates
	conns *maestro.CountMin[pair]

	threshold uint32
}

// New returns a limiter with no flows. Zero fields of cfg take their
// defaults.
func New(cfg Config) *CL {
	d := DefaultConfig()
	if cfg.Threshold <= 0 {
		cfg.Threshold = d.Threshold
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	if cfg.SketchWidth <= 0 {
		cfg.SketchWidth = d.SketchWidth
	}
	if cfg.SketchDepth <= 0 {
		cfg.SketchDepth = d.SketchDepth
	}
	return &CL{
		flows:     maestro.NewTable[maestro.FlowID, struct{}](cfg.Capacity, int64(cfg.Timeout)),
		conns:     maestro.NewCountMin[pair](cfg.SketchWidth, cfg.SketchDepth, int64(cfg.Timeout)),
		threshold: uint32(cfg.Threshold),
	}
}

// Process admits or drops one packet. Non-IPv4 and malformed frames are
// dropped.
func (c *CL) Process(p *maestro.Packet) maestro.Verdict {
	c.flows.Expire(p.Time)
	c.conns.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return c.admit(p)
	}
	return maestro.Forward(LAN)
}

// admit passes a LAN packet of a known flow, or of a new flow whose address
// pair is under the threshold, and drops the others.
func (c *CL) admit(p *maestro.Packet) maestro.Verdict {
	id := p.Flow()
	if i, ok := c.flows.Find(id); ok {
		c.flows.Refresh(i, p.Time)
		return maestro.Forward(WAN)
	}
	// A new connection. The sketch never underestimates, so no pair opens
	// more than Threshold flows per window; collisions with other pairs can
	// only make the limit stricter.
	k := pair{Src: p.SrcIP, Dst: p.DstIP}
	if c.conns.Estimate(k, p.Time) >= c.threshold {
		return maestro.Drop
	}
	if _, ok := c.flows.Insert(id, struct{}{}, p.Time); !ok {
		return maestro.Drop // table full: keep old flows, refuse new ones
	}
	c.conns.Add(k, 1, p.Time)
	return maestro.Forward(WAN)
}
