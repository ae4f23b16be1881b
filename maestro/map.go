package maestro

import "unsafe"

// Map is a fixed-capacity hash map: libVig's map plus the vector that holds
// its values. It never grows: Put on a full map fails and changes nothing.
// Get and Has are reads; Put and Delete are writes. Build one with NewMap.
type Map[K comparable, V any] struct {
	// ck is the runtime ownership check's hook (ownership.go); zero-size
	// unless built with the tag maestrocheck.
	ck ownerHook[K]

	s *mapData[K, V]
	v *view
}

type mapData[K comparable, V any] struct {
	idx  keyIndex[K]
	keys []K
	vals []V
	free []int32 // stack of unused entry indexes
	// refused counts Puts of new keys refused because the map was full.
	refused uint64
}

// NewMap returns a map holding up to capacity entries (rounded up to a power
// of two, at least 1, at most 2^30).
func NewMap[K comparable, V any](capacity int) *Map[K, V] {
	c := roundCapacity(capacity)
	keys := make([]K, c)
	s := &mapData[K, V]{
		idx:  newKeyIndex(keys),
		keys: keys,
		vals: make([]V, c),
		free: make([]int32, c),
	}
	for i := range s.free {
		s.free[i] = int32(c - 1 - i)
	}
	return &Map[K, V]{s: s}
}

// View returns core's view of m for a lock-based NF (see LockGroup).
func (m *Map[K, V]) View(g *LockGroup, core int) *Map[K, V] {
	return &Map[K, V]{s: m.s, v: newView(g, core)}
}

// Cap returns the maximum number of entries.
func (m *Map[K, V]) Cap() int { return len(m.s.vals) }

// Refusals returns how many new keys Put refused, because the map was full
// (see Allocator.Refusals) or the key's probe chain was too long (see
// LongChains). Read it while no packet runs.
func (m *Map[K, V]) Refusals() uint64 { return m.s.refused + m.s.idx.longChains }

// LongChains returns how many of the Refusals were for a probe chain too
// long, with room left in the map (see Table.LongChains). Read it while no
// packet runs.
func (m *Map[K, V]) LongChains() uint64 { return m.s.idx.longChains }

// Len returns the number of entries.
func (m *Map[K, V]) Len() int { return len(m.s.vals) - len(m.s.free) }

// Get returns the value stored for k.
func (m *Map[K, V]) Get(k K) (V, bool) {
	if OwnershipCheck {
		m.ck.touch(k)
	}
	if i, ok := m.s.idx.find(&k); ok {
		return m.s.vals[i], true
	}
	var zero V
	return zero, false
}

// Prefetch is PrefetchKeys for one key.
func (m *Map[K, V]) Prefetch(k K) { m.PrefetchKeys([]K{k}) }

// PrefetchKeys asks the CPU to load into its caches what lookups of ks will
// read: each key's home slot, the key it holds and that entry's value. It
// changes nothing and, like a lookup, must not run while another goroutine
// writes the Map; see Table.PrefetchKeys.
func (m *Map[K, V]) PrefetchKeys(ks []K) {
	var pos [PrefetchBurst]int64
	for len(ks) > 0 {
		n := min(len(ks), PrefetchBurst)
		m.s.idx.prefetch(ks[:n], &pos)
		var v V
		if unsafe.Sizeof(v) != 0 && len(m.s.vals) != 0 {
			prefetchEach(unsafe.Pointer(&m.s.vals[0]), unsafe.Sizeof(v), pos[:n])
		}
		ks = ks[n:]
	}
}

// Has reports whether k is present.
func (m *Map[K, V]) Has(k K) bool {
	if OwnershipCheck {
		m.ck.touch(k)
	}
	_, ok := m.s.idx.find(&k)
	return ok
}

// Put stores v for k, replacing any previous value. It reports false, and
// changes nothing, when k is new and the map is full or k's probe chain is
// too long (see LongChains).
func (m *Map[K, V]) Put(k K, v V) bool {
	if OwnershipCheck {
		m.ck.touch(k)
	}
	m.v.denyWrite()
	s := m.s
	i, ok, slot, hv := s.idx.lookup(&k)
	if ok {
		s.vals[i] = v
		return true
	}
	n := len(s.free)
	if n == 0 {
		s.refused++
		return false
	}
	if slot == noSlot {
		s.idx.longChains++
		return false
	}
	i = s.free[n-1]
	s.free = s.free[:n-1]
	s.keys[i] = k
	s.vals[i] = v
	s.idx.insert(slot, hv, i)
	return true
}

// Delete removes k. It reports whether k was present.
func (m *Map[K, V]) Delete(k K) bool {
	if OwnershipCheck {
		m.ck.touch(k)
	}
	s := m.s
	i, ok := s.idx.find(&k)
	if !ok {
		return false
	}
	m.v.denyWrite()
	s.idx.remove(i)
	var zk K
	var zv V
	s.keys[i], s.vals[i] = zk, zv
	s.free = append(s.free, i) // within capacity: never allocates
	return true
}
