package baseline

import (
	"sync"

	"github.com/nfmaestro/maestro/examples/policer"
	"github.com/nfmaestro/maestro/maestro"
)

// bucket is one destination's token bucket. Unlike a flow's timestamp, every
// packet changes it, so it carries its own lock; padding keeps two buckets
// off one cache line.
type bucket struct {
	mu     sync.Mutex
	credit int64 // byte-nanoseconds
	last   int64 // ns
	_      [40]byte
}

// Policer is examples/policer with its buckets in a concurrent Map: WAN
// packets pay their length from their destination's token bucket, LAN
// packets pass.
type Policer struct {
	buckets  *Map[uint32, *bucket]
	rate     int64
	full     int64
	fillTime int64
	timeout  int64
	cores    int
}

// NewPolicer returns a Policer rewrite of kind k for cores workers. Zero
// fields of cfg take policer's defaults; Capacity only sizes the map.
func NewPolicer(k Kind, cfg policer.Config, cores int) *Policer {
	d := policer.DefaultConfig()
	if cfg.Rate <= 0 {
		cfg.Rate = d.Rate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = d.Burst
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	cfg.Burst = min(cfg.Burst, policer.MaxBurst)
	return &Policer{
		buckets:  NewMap[uint32, *bucket](k, cfg.Capacity),
		rate:     cfg.Rate,
		full:     cfg.Burst * 1e9,
		fillTime: cfg.Burst * 1e9 / cfg.Rate,
		timeout:  int64(cfg.Timeout),
		cores:    max(cores, 1),
	}
}

// Cores returns the number of workers.
func (pl *Policer) Cores() int { return pl.cores }

// ProcessBurst polices each packet of the burst; any core may call it for
// any packet.
func (pl *Policer) ProcessBurst(_ int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	verdicts = verdicts[:len(pkts)]
	for i := range pkts {
		verdicts[i] = pl.Process(&pkts[i])
	}
}

// Process polices one packet, as policer.Policer.Process does.
func (pl *Policer) Process(p *maestro.Packet) maestro.Verdict {
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == policer.LAN {
		return maestro.Forward(policer.WAN)
	}
	cost := int64(p.Len()) * 1e9
	now := p.Time
	b, ok := pl.buckets.Load(p.DstIP)
	if !ok {
		if cost > pl.full {
			return maestro.Drop // larger than the burst: can never pass
		}
		// A new destination starts with a full bucket.
		n := &bucket{credit: pl.full - cost, last: now}
		if b, ok = pl.buckets.LoadOrStore(p.DstIP, n); !ok {
			return maestro.Forward(policer.LAN)
		}
	}
	b.mu.Lock()
	dt := now - b.last
	switch {
	case pl.timeout > 0 && dt > pl.timeout, dt >= pl.fillTime:
		// Idle past the timeout (the sequential policer would have
		// forgotten it) or long enough to fill: a full bucket either way.
		b.credit = pl.full
	case dt > 0:
		b.credit = min(pl.full, b.credit+dt*pl.rate)
	}
	b.last = max(b.last, now)
	pass := b.credit >= cost
	if pass {
		b.credit -= cost
	}
	b.mu.Unlock()
	if !pass {
		return maestro.Drop
	}
	return maestro.Forward(policer.LAN)
}
