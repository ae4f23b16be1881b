// Package policer is a per-destination traffic policer. Traffic from the WAN
// to each LAN destination IPv4 address goes through a token bucket that fills
// at Rate bytes per second up to Burst bytes; a packet passes if the bucket
// holds at least its length (which is then taken) and is dropped otherwise.
// LAN->WAN traffic passes untouched. A destination seen for the first time,
// or again after its entry expired, starts with a full bucket.
//
// State: one Table keyed by the WAN packet's destination IP. Only WAN packets
// touch it, so an RSS key that spreads on the destination address lets the
// policer run shared-nothing.
package policer

import (
	"errors"
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The policer's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// MaxBurst bounds Config.Burst so that bucket arithmetic in byte-nanoseconds
// fits in an int64.
const MaxBurst = 1 << 32

// Config configures a Policer.
type Config struct {
	// Rate is the sustained rate per destination in bytes per second
	// (default 1,000,000).
	Rate int64
	// Burst is the bucket size in bytes (default 100,000): the most a
	// destination can receive at once after being idle. At most MaxBurst.
	Burst int64
	// Capacity is the maximum number of destinations tracked (default
	// 65536). WAN packets to an untracked destination are dropped while the
	// table is full: a policer that cannot account for traffic must not
	// let it through.
	Capacity int
	// Timeout is how long a destination's bucket lives without traffic
	// (default 10s). Keep it at least Burst/Rate: a bucket idle that long is
	// full anyway, so forgetting it changes nothing.
	Timeout time.Duration
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config {
	return Config{Rate: 1_000_000, Burst: 100_000, Capacity: 65536, Timeout: 10 * time.Second}
}

// Validate reports a configuration New would have to change (after zero
// fields have taken their defaults).
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Burst > MaxBurst {
		return errors.New("policer: burst above 4 GiB")
	}
	return nil
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Rate <= 0 {
		c.Rate = d.Rate
	}
	if c.Burst <= 0 {
		c.Burst = d.Burst
	}
	if c.Capacity <= 0 {
		c.Capacity = d.Capacity
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	return c
}

// Bucket is one destination's token bucket. Credit is kept in
// byte-nanoseconds (bytes times 1e9) so that refilling by elapsed
// nanoseconds times a rate in bytes per second is exact: a packet every few
// nanoseconds still earns its fraction of a byte instead of rounding it away.
type Bucket struct {
	// Credit is the bucket content in byte-nanoseconds.
	Credit int64
	// Last is the time (ns) Credit was last brought up to date.
	Last int64
}

// Policer is the per-destination policer.
//
//maestro:nf
type Policer struct {
	//maestro:state
	buckets *maestro.Table[uint32, Bucket]

	rate     int64 // bytes per second
	full     int64 // Burst in byte-nanoseconds
	fillTime int64 // ns to fill an empty bucket
}

// New returns a policer tracking no destination. Zero fields of cfg take
// their defaults; a Burst above MaxBurst is lowered to it.
func New(cfg Config) *Policer {
	cfg = cfg.withDefaults()
	cfg.Burst = min(cfg.Burst, MaxBurst)
	return &Policer{
		buckets:  maestro.NewTable[uint32, Bucket](cfg.Capacity, int64(cfg.Timeout)),
		rate:     cfg.Rate,
		full:     cfg.Burst * 1e9,
		fillTime: cfg.Burst * 1e9 / cfg.Rate,
	}
}

// Process polices one packet. Non-IPv4 and malformed frames are dropped.
func (pl *Policer) Process(p *maestro.Packet) maestro.Verdict {
	pl.buckets.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	cost := int64(p.Len()) * 1e9
	i, ok := pl.buckets.Find(p.DstIP)
	if !ok {
		// A new destination starts with a full bucket.
		b := Bucket{Credit: pl.full, Last: p.Time}
		if cost > b.Credit {
			return maestro.Drop // larger than the burst: can never pass
		}
		b.Credit -= cost
		if _, ok := pl.buckets.Insert(p.DstIP, b, p.Time); !ok {
			return maestro.Drop // cannot track it, so cannot police it
		}
		return maestro.Forward(LAN)
	}
	b := refill(pl.buckets.At(i), p.Time, pl.rate, pl.full, pl.fillTime)
	pass := b.Credit >= cost
	if pass {
		b.Credit -= cost
	}
	pl.buckets.Set(i, b)
	pl.buckets.Refresh(i, p.Time)
	if !pass {
		return maestro.Drop
	}
	return maestro.Forward(LAN)
}

// refill brings b up to time now: rate bytes per second, capped at full
// byte-nanoseconds (a bucket idle for fillTime is full).
func refill(b Bucket, now, rate, full, fillTime int64) Bucket {
	dt := now - b.Last
	switch {
	case dt <= 0:
		// Time did not advance (or went backwards): nothing earned.
		return b
	case dt >= fillTime:
		b.Credit = full
	default:
		// dt < fillTime = full/rate, so dt*rate < full: no overflow.
		b.Credit = min(full, b.Credit+dt*rate)
	}
	b.Last = now
	return b
}
