package shard

import "sync/atomic"

// Counter is a statistics counter split per core: each core adds to its own
// padded slot, so counting packets on every core costs one uncontended atomic
// add and never bounces a cache line between cores. Load sums the slots.
//
// Unlike [PerCore], Counter is safe for concurrent use by any goroutine: the
// slots are atomic, so a wrong core id costs speed, never correctness.
type Counter struct {
	slots *PerCore[atomic.Int64]
}

// NewCounter returns a zeroed counter for cores cores. It returns an error
// wrapping [ErrCores] if cores is not in [1, MaxCores].
func NewCounter(cores int) (*Counter, error) {
	p, err := NewPerCore[atomic.Int64](cores, nil)
	if err != nil {
		return nil, err
	}
	return &Counter{slots: p}, nil
}

// Cores returns the number of per-core slots.
func (c *Counter) Cores() int { return c.slots.Cores() }

// Add adds n to core's slot. A core outside [0, Cores()) is reduced modulo
// Cores() (negative ids too), which keeps the total right because slots are
// atomic.
func (c *Counter) Add(core int, n int64) {
	s := c.slots.Get(core)
	if s == nil {
		s = c.slots.Get(wrap(core, c.slots.Cores()))
	}
	// An atomic add, not load-then-store: on amd64 an atomic store is an
	// XCHG, which locks the bus just like XADD, so a plain single-writer
	// store would not be cheaper and would lose counts if two goroutines
	// shared a core id.
	s.Add(n)
}

// Load returns the sum over all cores. Adds that happen before Load are
// included; adds concurrent with it may or may not be, per slot, so the sum
// is not an atomic snapshot of all cores.
func (c *Counter) Load() int64 {
	var sum int64
	c.slots.Each(func(_ int, v *atomic.Int64) { sum += v.Load() })
	return sum
}

// LoadCore returns core's own slot, or 0 if core is not in [0, Cores()).
func (c *Counter) LoadCore(core int) int64 {
	if s := c.slots.Get(core); s != nil {
		return s.Load()
	}
	return 0
}

// wrap reduces any int, negative or not, into [0, n). n must be positive.
func wrap(i, n int) int {
	i %= n
	if i < 0 {
		i += n
	}
	return i
}
