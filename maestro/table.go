package maestro

import "unsafe"

// Table is a fixed-capacity flow table with expiry: libVig's map, vector and
// double chain together. Each entry has a stable index in 0..Cap()-1 (which
// NFs may use as an identifier, e.g. NAT's external port offset), a value,
// and the time of its last refresh. Entries expire, oldest first, once they
// have gone the table's timeout without a refresh. A full table refuses new
// keys and keeps the old ones.
//
// Reads are Find, Get, Has, Valid, At, Key, Time and Len; Refresh is a
// refresh (in a lock-based parallel NF it touches only the core's own
// timestamps); Insert, Set, Remove, RemoveIndex and Expire are writes.
type Table[K comparable, V any] struct {
	// ck is the runtime ownership check's hook (ownership.go); zero-size
	// unless built with the tag maestrocheck.
	ck ownerHook[K]

	s *tableData[K, V]
	v *view
}

type tableData[K comparable, V any] struct {
	idx   keyIndex[K]
	chain *chain
	keys  []K
	vals  []V
	base  uint32 // index i stands for value base+i (NewValueTable; pooled.go)
}

// NewTable returns a table of capacity entries (rounded up to a power of two,
// at least 1, at most 2^30) whose entries expire timeout nanoseconds after
// their last refresh (never, if timeout <= 0).
func NewTable[K comparable, V any](capacity int, timeout int64) *Table[K, V] {
	c := scaleCapacity(capacity)
	keys := make([]K, c)
	return &Table[K, V]{s: &tableData[K, V]{
		idx:   newKeyIndex(keys),
		chain: newChain(c, timeout),
		keys:  keys,
		vals:  make([]V, c),
	}}
}

// View returns core's view of t for a lock-based NF (see LockGroup).
func (t *Table[K, V]) View(g *LockGroup, core int) *Table[K, V] {
	t.s.chain.withLocal(len(g.cores))
	return &Table[K, V]{s: t.s, v: newView(g, core)}
}

// Cap returns the maximum number of entries: in a shared-nothing NF built
// by NewParallel, the core's share (BuildPerCore), as the capacity
// exception of a split NF says (NewParallelFull gives every core the
// whole).
func (t *Table[K, V]) Cap() int { return len(t.s.vals) }

// Refusals returns how many new keys Insert refused, because the table was
// full (see Allocator.Refusals) or the key's probe chain was too long (see
// LongChains). Read it while no packet runs.
func (t *Table[K, V]) Refusals() uint64 { return t.s.chain.refused + t.s.idx.longChains }

// LongChains returns how many of the Refusals were for a probe chain too
// long, with room left in the table: a sign of hash flooding, since with
// random keys it happens less than once in 10^12 inserts. Read it while no
// packet runs.
func (t *Table[K, V]) LongChains() uint64 { return t.s.idx.longChains }

// Len returns the number of live entries.
func (t *Table[K, V]) Len() int { return t.s.chain.n }

// Timeout returns the expiry timeout in nanoseconds.
func (t *Table[K, V]) Timeout() int64 { return t.s.chain.timeout }

// Find returns the index of k's entry.
func (t *Table[K, V]) Find(k K) (int, bool) {
	if OwnershipCheck {
		t.ck.touch(k)
	}
	i, ok := t.s.idx.find(&k)
	return int(i), ok
}

// Prefetch is PrefetchKeys for one key.
func (t *Table[K, V]) Prefetch(k K) { t.PrefetchKeys([]K{k}) }

// PrefetchKeys asks the CPU to load into its caches what lookups of ks will
// read: each key's home slot in the index, the key it holds, that entry's
// value and expiry links, and the links of its neighbours in the expiry
// order, which a Refresh rewrites. It changes nothing and returns nothing;
// it is a hint for speed, and it does not count as an access for the
// runtime ownership check.
//
// A generated ProcessBurst calls it with the keys of a whole burst's first
// lookups before it processes the first packet (see gen). Prefetches do not
// wait for their data, so the cache misses of the burst overlap, in a few
// rounds of dependent loads, instead of being paid one packet after the
// other as C NFs that process a packet at a time pay them. It reads the
// index and the expiry links, so call it only where a lookup would be
// allowed: on the core that owns the Table, or under a lock-based NF's
// lock.
func (t *Table[K, V]) PrefetchKeys(ks []K) {
	s := t.s
	var pos [PrefetchBurst]int64
	var near [2 * PrefetchBurst]int64
	for len(ks) > 0 {
		n := min(len(ks), PrefetchBurst)
		s.idx.prefetch(ks[:n], &pos)
		cells := s.chain.cells
		prefetchEach(unsafe.Pointer(&cells[0]), unsafe.Sizeof(cell{}), pos[:n])
		var v V
		if unsafe.Sizeof(v) != 0 {
			prefetchEach(unsafe.Pointer(&s.vals[0]), unsafe.Sizeof(v), pos[:n])
		}
		// The expiry neighbours: read the entries' links (in flight
		// since above), then prefetch the cells they point to.
		for i, p := range pos[:n] {
			near[2*i], near[2*i+1] = -1, -1
			if p >= 0 && int(p) < len(cells) {
				near[2*i], near[2*i+1] = int64(cells[p].prev), int64(cells[p].next)
			}
		}
		prefetchEach(unsafe.Pointer(&cells[0]), unsafe.Sizeof(cell{}), near[:2*n])
		ks = ks[n:]
	}
}

// Has reports whether k has an entry.
func (t *Table[K, V]) Has(k K) bool {
	if OwnershipCheck {
		t.ck.touch(k)
	}
	_, ok := t.s.idx.find(&k)
	return ok
}

// Get returns k's value.
func (t *Table[K, V]) Get(k K) (V, bool) {
	if OwnershipCheck {
		t.ck.touch(k)
	}
	if i, ok := t.s.idx.find(&k); ok {
		return t.s.vals[i], true
	}
	var zero V
	return zero, false
}

// Valid reports whether index i holds a live entry.
func (t *Table[K, V]) Valid(i int) bool { return t.s.chain.isAllocated(i) }

// At returns the value at index i; the zero value if i holds no entry.
func (t *Table[K, V]) At(i int) V {
	if !t.s.chain.isAllocated(i) {
		var zero V
		return zero
	}
	return t.s.vals[i]
}

// Key returns the key at index i; the zero key if i holds no entry.
func (t *Table[K, V]) Key(i int) K {
	if !t.s.chain.isAllocated(i) {
		var zero K
		return zero
	}
	return t.s.keys[i]
}

// Time returns the last refresh time of index i (0 if it holds no entry).
// In a lock-based NF it needs the write lock: a read pass that calls it
// ends and the packet re-runs under the write lock, where Time is the
// newest refresh made on any core. (Refreshes in read passes are private
// to their core; a read pass that saw another core's would make the two
// passes impossible to order as some sequential run.)
func (t *Table[K, V]) Time(i int) int64 {
	t.v.denyWrite()
	return t.s.chain.timeOf(i)
}

// Insert adds k with value v, stamped now, and returns its index. If k is
// already present its value is replaced and the entry refreshed. It reports
// false, and changes nothing, when k is new and the table is full or k's
// probe chain is too long (see LongChains).
func (t *Table[K, V]) Insert(k K, v V, now int64) (int, bool) {
	if OwnershipCheck {
		t.ck.touch(k)
	}
	t.v.denyWrite()
	s := t.s
	i, ok, slot, hv := s.idx.lookup(&k)
	if ok {
		s.vals[i] = v
		s.chain.refresh(int(i), now, nil)
		return int(i), true
	}
	if s.chain.free < 0 {
		s.chain.refused++ // full: counted as such whatever the chain's length
		return -1, false
	}
	if slot == noSlot {
		s.idx.longChains++
		return -1, false
	}
	j, _ := s.chain.allocate(now) // not full: cannot fail
	s.keys[j] = k
	s.vals[j] = v
	s.idx.insert(slot, hv, int32(j))
	return j, true
}

// Set replaces the value at index i. It reports false when i holds no entry.
func (t *Table[K, V]) Set(i int, v V) bool {
	if !t.s.chain.isAllocated(i) {
		return false
	}
	t.v.denyWrite()
	t.s.vals[i] = v
	return true
}

// Refresh stamps the entry at index i with time now so that it does not
// expire. It reports false when i holds no entry.
func (t *Table[K, V]) Refresh(i int, now int64) bool { return t.s.chain.refresh(i, now, t.v) }

// Remove deletes k's entry. It reports whether k was present.
func (t *Table[K, V]) Remove(k K) bool {
	if OwnershipCheck {
		t.ck.touch(k)
	}
	i, ok := t.s.idx.find(&k)
	if !ok {
		return false
	}
	t.v.denyWrite()
	t.s.removeAt(i)
	return true
}

// RemoveIndex deletes the entry at index i. It reports whether i held one.
func (t *Table[K, V]) RemoveIndex(i int) bool {
	if !t.s.chain.isAllocated(i) {
		return false
	}
	t.v.denyWrite()
	t.s.removeAt(int32(i))
	return true
}

// Expire deletes every entry not refreshed within the timeout before now,
// oldest first, and returns how many it deleted. It costs time proportional
// to the number deleted.
func (t *Table[K, V]) Expire(now int64) int {
	if now < t.s.chain.due.Load() {
		return 0 // the common case, small enough to inline
	}
	return t.expire(now)
}

func (t *Table[K, V]) expire(now int64) int {
	n := 0
	for {
		i, ok := t.s.chain.nextExpired(now, t.v)
		if !ok {
			return n
		}
		t.s.removeAt(i)
		n++
	}
}

func (s *tableData[K, V]) removeAt(i int32) {
	s.idx.remove(i)
	s.chain.release(i)
	var zk K
	var zv V
	s.keys[i], s.vals[i] = zk, zv
}
