package maestro

// CountMin is a count-min sketch with time-based expiry: it estimates how
// many times each key was added within the timeout, never underestimating
// (collisions only add). Depth rows of width counters; a key's estimate is
// the minimum of its counter in each row. Row positions come from one 64-bit
// key hash by double hashing (h1 + i*h2), which keeps the rows independent
// enough for the sketch's bound at the cost of one hash per operation.
//
// Each counter carries the time it was last added to; a counter idle for the
// timeout reads as zero and restarts from zero on its next Add, so stale
// counts vanish without a sweep, and Expire has nothing to do.
//
// Estimate is a read; Add is a write; Expire does nothing.
//
// An estimate depends on every key that shares its counters, so an NF that
// reads one (Estimate, or Add's result) runs with locks, unless its field
// is marked //maestro:state per-core-estimates: the author then accepts
// that a shared-nothing NF's per-core sketches, which see only their
// core's keys, give estimates that may be lower than the sequential
// sketch's (never below the key's own count).
type CountMin[K comparable] struct {
	// ck is the runtime ownership check's hook (ownership.go); zero-size
	// unless built with the tag maestrocheck.
	ck ownerHook[K]

	s *cmData[K]
	v *view
}

type cmData[K comparable] struct {
	cells   []cmCell
	depth   int
	mask    uint32
	h       keyHasher[K]
	timeout int64
}

type cmCell struct {
	count uint32
	last  int64
}

// NewCountMin returns a sketch of depth rows (at least 1, at most 16) of width
// counters (rounded up to a power of two, at least 1, at most 2^24) whose
// counts expire timeout nanoseconds after their last increment (never, if
// timeout <= 0).
func NewCountMin[K comparable](width, depth int, timeout int64) *CountMin[K] {
	w := scaleCapacity(min(width, 1<<24))
	d := min(max(depth, 1), 16)
	return &CountMin[K]{s: &cmData[K]{
		cells:   make([]cmCell, w*d),
		depth:   d,
		mask:    uint32(w - 1),
		h:       seededKeyHasher[K](sketchSeed),
		timeout: timeout,
	}}
}

// View returns core's view of cm for a lock-based NF (see LockGroup).
func (cm *CountMin[K]) View(g *LockGroup, core int) *CountMin[K] {
	return &CountMin[K]{s: cm.s, v: newView(g, core)}
}

// Width returns the counters per row: in a shared-nothing NF built by
// NewParallel, the core's share (BuildPerCore).
func (cm *CountMin[K]) Width() int { return int(cm.s.mask) + 1 }

// Depth returns the number of rows.
func (cm *CountMin[K]) Depth() int { return cm.s.depth }

func (c *cmData[K]) live(cell *cmCell, now int64) uint32 {
	if c.timeout > 0 && now-cell.last >= c.timeout {
		return 0
	}
	return cell.count
}

// Estimate returns an upper bound of the number of times k was added within
// the timeout before now.
func (cm *CountMin[K]) Estimate(k K, now int64) uint32 {
	if OwnershipCheck {
		cm.ck.touch(k)
	}
	c := cm.s
	hv := c.h.hash(&k)
	h1, h2 := uint32(hv), uint32(hv>>32)|1
	est := ^uint32(0)
	w := int(c.mask) + 1
	for r := range c.depth {
		cell := &c.cells[r*w+int((h1+uint32(r)*h2)&c.mask)]
		est = min(est, c.live(cell, now))
	}
	return est
}

// Add counts k n more times at time now and returns its new estimate.
// Counters saturate instead of wrapping.
func (cm *CountMin[K]) Add(k K, n uint32, now int64) uint32 {
	if OwnershipCheck {
		cm.ck.touch(k)
	}
	cm.v.denyWrite()
	c := cm.s
	hv := c.h.hash(&k)
	h1, h2 := uint32(hv), uint32(hv>>32)|1
	est := ^uint32(0)
	w := int(c.mask) + 1
	for r := range c.depth {
		cell := &c.cells[r*w+int((h1+uint32(r)*h2)&c.mask)]
		v := c.live(cell, now)
		if v > ^uint32(0)-n {
			v = ^uint32(0)
		} else {
			v += n
		}
		cell.count, cell.last = v, now
		est = min(est, v)
	}
	return est
}

// Expire returns 0 and changes nothing: idle counters already read as
// zero and restart from zero on their next Add. It exists so that NFs
// expire every container alike. It used to zero a few idle counters per
// call, which was only invisible while time never went back: a counter
// zeroed at time t would read as zero at an earlier time t' where it is
// still live. A lock-based NF runs Expire in write passes only and its
// packets' times are not in order once serialised, so the zeroing made its
// results differ from every serialisation of its packets.
func (cm *CountMin[K]) Expire(now int64) int { return 0 }
