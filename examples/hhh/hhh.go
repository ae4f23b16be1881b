// Package hhh polices hierarchical heavy hitters: WAN sources are rate
// limited at several source-prefix granularities at once (by default each
// /28, each /30 and each single /32 address), each prefix with its own token
// bucket. A WAN->LAN packet passes only if the bucket of every one of its
// source prefixes holds the packet's length, which is then taken from all of
// them; if any prefix is over its rate the packet is dropped and no bucket is
// charged, so a heavy host does not eat into the allowance of the lighter
// hosts that share its shorter prefixes. LAN->WAN traffic passes.
//
// State: one Table per prefix level, keyed by the masked source address
// (p.SrcIP & mask), accessed only on the WAN side. Packets whose sources
// share the shortest prefix must meet on one core, so an RSS key that spreads
// on the source address bits above that prefix length lets HHH run
// shared-nothing.
package hhh

import (
	"errors"
	"fmt"
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// MaxLevels is the most prefix levels an HHH polices.
const MaxLevels = 4

// MaxBurst bounds Level.Burst so that bucket arithmetic in byte-nanoseconds
// fits in an int64.
const MaxBurst = 1 << 32

// Level is one prefix granularity and its token bucket parameters.
type Level struct {
	// Bits is the prefix length, 0 to 32.
	Bits int
	// Rate is each prefix's sustained rate in bytes per second.
	Rate int64
	// Burst is each prefix's bucket size in bytes (at most MaxBurst).
	Burst int64
}

// Config configures an HHH.
type Config struct {
	// Levels are the prefix granularities (1 to MaxLevels of them; default
	// LevelsFor([]int{28, 30, 32}, 1e6, 1e5)).
	Levels []Level
	// Capacity is the maximum number of prefixes tracked per level (default
	// 65536). A packet whose prefix cannot be tracked at some level because
	// that level is full is dropped: what cannot be accounted for is not
	// let through.
	Capacity int
	// Timeout is how long a prefix's bucket lives without traffic (default
	// 10s; keep it at least Burst/Rate, the time a bucket takes to fill).
	Timeout time.Duration
}

// LevelsFor returns one level per prefix length in prefixes, with rate and
// burst given for a single address (/32) and scaled up for shorter prefixes
// by 2^((32-bits)/2): a /30 (4 addresses) gets twice the /32 allowance, a /28
// (16 addresses) four times. Scaling with the square root of the address
// count lets a prefix be heavy without any single host in it being heavy,
// which is what a hierarchical heavy hitter is.
func LevelsFor(prefixes []int, rate, burst int64) []Level {
	out := make([]Level, 0, len(prefixes))
	for _, bits := range prefixes {
		scale := int64(1) << (max(32-bits, 0) / 2)
		out = append(out, Level{Bits: bits, Rate: rate * scale, Burst: burst * scale})
	}
	return out
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config {
	return Config{
		Levels:   LevelsFor([]int{28, 30, 32}, 1_000_000, 100_000),
		Capacity: 65536,
		Timeout:  10 * time.Second,
	}
}

// Validate reports a configuration New cannot use as given.
func (c Config) Validate() error {
	if len(c.Levels) > MaxLevels {
		return fmt.Errorf("hhh: %d levels, at most %d", len(c.Levels), MaxLevels)
	}
	for _, l := range c.Levels {
		if l.Bits < MinPrefix || l.Bits > 32 {
			return fmt.Errorf("hhh: prefix length %d, want %d to 32", l.Bits, MinPrefix)
		}
		if l.Rate <= 0 || l.Burst <= 0 || l.Burst > MaxBurst {
			return errors.New("hhh: rate and burst must be positive, burst at most 4 GiB")
		}
	}
	return nil
}

// Bucket is one prefix's token bucket. Credit is kept in byte-nanoseconds
// (bytes times 1e9) so that refilling by elapsed nanoseconds times a rate in
// bytes per second is exact.
type Bucket struct {
	// Credit is the bucket content in byte-nanoseconds.
	Credit int64
	// Last is the time (ns) Credit was last brought up to date.
	Last int64
}

// MinPrefix is the shortest prefix a level may have. Every key keeps at
// least the top MinPrefix bits of the source address (the keys are
// p.SrcIP & (minPrefixMask | mask), which changes nothing for the prefixes
// allowed), so Maestro's analyzer can prove that packets sharing any level's
// entry share those bits and shard the HHH on them, although the masks
// themselves come from the configuration.
const MinPrefix = 16

const minPrefixMask = ^uint32(1<<(32-MinPrefix) - 1)

// level is a Level prepared for the packet path.
type level struct {
	mask     uint32 // prefix mask, host order
	rate     int64  // bytes per second
	full     int64  // burst in byte-nanoseconds
	fillTime int64  // ns to fill an empty bucket
}

// HHH is the hierarchical heavy-hitter policer.
//
//maestro:nf
type HHH struct {
	// One table per level, in Config.Levels order; levels beyond the
	// configured ones get a one-entry table that is never used.
	//
	//maestro:state
	t0 *maestro.Table[uint32, Bucket]
	//maestro:state
	t1 *maestro.Table[uint32, Bucket]
	//maestro:state
	t2 *maestro.Table[uint32, Bucket]
	//maestro:state
	t3 *maestro.Table[uint32, Bucket]

	levels [MaxLevels]level
	n      int // configured levels
}

// New returns a policer tracking no prefix. Zero fields of cfg take their
// defaults; levels beyond MaxLevels are ignored and out-of-range values are
// clamped (Validate reports them).
func New(cfg Config) *HHH {
	d := DefaultConfig()
	if len(cfg.Levels) == 0 {
		cfg.Levels = d.Levels
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	h := &HHH{n: min(len(cfg.Levels), MaxLevels)}
	var tables [MaxLevels]*maestro.Table[uint32, Bucket]
	for i := range tables {
		capacity := 1
		if i < h.n {
			l := cfg.Levels[i]
			bits := min(max(l.Bits, MinPrefix), 32)
			rate := max(l.Rate, 1)
			burst := min(max(l.Burst, 1), MaxBurst)
			h.levels[i] = level{
				mask:     uint32(uint64(0xffffffff) << (32 - bits)),
				rate:     rate,
				full:     burst * 1e9,
				fillTime: burst * 1e9 / rate,
			}
			capacity = cfg.Capacity
		}
		tables[i] = maestro.NewTable[uint32, Bucket](capacity, int64(cfg.Timeout))
	}
	h.t0, h.t1, h.t2, h.t3 = tables[0], tables[1], tables[2], tables[3]
	return h
}

// Process polices one packet. Non-IPv4 and malformed frames are dropped.
func (h *HHH) Process(p *maestro.Packet) maestro.Verdict {
	h.t0.Expire(p.Time)
	h.t1.Expire(p.Time)
	h.t2.Expire(p.Time)
	h.t3.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	cost := int64(p.Len()) * 1e9
	// First bring every level's bucket up to date and see whether all of
	// them can pay; charge them only if they all can.
	i0, ok := refill(h.t0, p.SrcIP&(minPrefixMask|h.levels[0].mask), &h.levels[0], p.Time, cost)
	pass := ok
	i1, i2, i3 := -1, -1, -1
	if h.n > 1 {
		i1, ok = refill(h.t1, p.SrcIP&(minPrefixMask|h.levels[1].mask), &h.levels[1], p.Time, cost)
		pass = pass && ok
	}
	if h.n > 2 {
		i2, ok = refill(h.t2, p.SrcIP&(minPrefixMask|h.levels[2].mask), &h.levels[2], p.Time, cost)
		pass = pass && ok
	}
	if h.n > 3 {
		i3, ok = refill(h.t3, p.SrcIP&(minPrefixMask|h.levels[3].mask), &h.levels[3], p.Time, cost)
		pass = pass && ok
	}
	if !pass {
		return maestro.Drop
	}
	charge(h.t0, i0, cost)
	charge(h.t1, i1, cost)
	charge(h.t2, i2, cost)
	charge(h.t3, i3, cost)
	return maestro.Forward(LAN)
}

// refill finds (or creates, full) the bucket of prefix in t, brings it up to
// time now and refreshes it. It returns the bucket's index and whether it
// holds cost; the index is -1 (and the answer false) when t is full and the
// prefix is new.
func refill(t *maestro.Table[uint32, Bucket], prefix uint32, l *level, now, cost int64) (int, bool) {
	i, ok := t.Find(prefix)
	if !ok {
		// A new prefix starts with a full bucket.
		if i, ok = t.Insert(prefix, Bucket{Credit: l.full, Last: now}, now); !ok {
			return -1, false
		}
		return i, cost <= l.full
	}
	b := t.At(i)
	dt := now - b.Last
	switch {
	case dt <= 0:
		// Time did not advance: nothing earned.
	case dt >= l.fillTime:
		b.Credit = l.full
	default:
		// dt < fillTime = full/rate, so dt*rate < full: no overflow.
		b.Credit = min(l.full, b.Credit+dt*l.rate)
	}
	b.Last = max(b.Last, now)
	t.Set(i, b)
	t.Refresh(i, now)
	return i, b.Credit >= cost
}

// charge takes cost from the bucket at index i of t; i = -1 (an unused
// level) charges nothing.
func charge(t *maestro.Table[uint32, Bucket], i int, cost int64) {
	if i < 0 {
		return
	}
	b := t.At(i)
	b.Credit -= cost
	t.Set(i, b)
}
