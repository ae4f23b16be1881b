package rwlock

import (
	"hash/maphash"
	"math/bits"
	"runtime"
	"sync"
)

// Stripe-count limits for [NewMap].
const (
	// MaxStripes caps the stripe count; more stripes than this only cost
	// memory (each stripe takes about 160 bytes before its entries).
	MaxStripes = 1 << 16
	// minDefaultStripes is the floor of the default stripe count: even on
	// one core, stripes shorten the time a writer blocks readers of
	// unrelated keys.
	minDefaultStripes = 16
)

// stripe is one lock and the map it guards. The mutex and the map pointer
// are the stripe's hot bytes; the trailing pad keeps at least 128 bytes
// between the hot bytes of neighbouring stripes so that no 128-byte-aligned
// block holds both, whatever the slice's base address.
type stripe[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
	_  [pad]byte
}

// Map is a hash map safe for concurrent use, split into a power-of-two
// number of stripes, each a sync.RWMutex guarding an ordinary Go map. A key's
// stripe is chosen by a seeded hash of the key, so operations on keys in
// different stripes never wait for each other and readers of one stripe run
// in parallel.
//
// Compared with sync.Map it is typed (no boxing, so Store of a value that is
// not a pointer does not allocate once the stripe's table has room) and does
// not degrade under frequent stores of new keys. The zero value is not
// usable; call [NewMap]. A Map must not be copied after first use.
type Map[K comparable, V any] struct {
	seed    maphash.Seed
	mask    uint64
	stripes []stripe[K, V]
}

// NewMap returns an empty Map. stripes is rounded up to a power of two and
// clamped to [1, MaxStripes]; stripes <= 0 selects a default of four stripes
// per GOMAXPROCS, at least 16. sizeHint is the expected number of keys
// (negative counts as zero) and pre-sizes every stripe for its share.
func NewMap[K comparable, V any](stripes, sizeHint int) *Map[K, V] {
	if stripes <= 0 {
		stripes = max(4*runtime.GOMAXPROCS(0), minDefaultStripes)
	}
	stripes = min(stripes, MaxStripes)
	// Round up to a power of two so that a mask, not a division, picks the
	// stripe.
	n := 1 << bits.Len(uint(stripes-1))
	per := 0
	if sizeHint > 0 {
		per = (sizeHint + n - 1) / n
	}
	m := &Map[K, V]{
		seed: maphash.MakeSeed(),
		mask: uint64(n - 1),
		// The spare stripe before the first pads it from the previous
		// heap object; it is never used.
		stripes: make([]stripe[K, V], n+1)[1:],
	}
	for i := range m.stripes {
		m.stripes[i].m = make(map[K]V, per)
	}
	return m
}

// Stripes returns the number of stripes, a power of two.
func (m *Map[K, V]) Stripes() int { return len(m.stripes) }

func (m *Map[K, V]) stripe(key K) *stripe[K, V] {
	return &m.stripes[maphash.Comparable(m.seed, key)&m.mask]
}

// Load returns the value stored for key and whether it was present.
func (m *Map[K, V]) Load(key K) (value V, ok bool) {
	s := m.stripe(key)
	s.mu.RLock()
	value, ok = s.m[key]
	s.mu.RUnlock()
	return value, ok
}

// Store sets the value for key.
func (m *Map[K, V]) Store(key K, value V) {
	s := m.stripe(key)
	s.mu.Lock()
	s.m[key] = value
	s.mu.Unlock()
}

// Delete removes key, if present.
func (m *Map[K, V]) Delete(key K) {
	s := m.stripe(key)
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
}

// LoadOrStore returns the existing value for key if present, with loaded
// true. Otherwise it stores value and returns it with loaded false.
func (m *Map[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	s := m.stripe(key)
	// Try under the read lock first: for a key already present, which is
	// the common case in a read-mostly map, readers need not serialize.
	s.mu.RLock()
	actual, loaded = s.m[key]
	s.mu.RUnlock()
	if loaded {
		return actual, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Another goroutine may have stored key between the two locks.
	if actual, loaded = s.m[key]; loaded {
		return actual, true
	}
	s.m[key] = value
	return value, false
}

// Len returns the number of keys. Each stripe is counted under its own read
// lock, so with concurrent writers the result is a sum over moments that
// differ per stripe, not an atomic snapshot.
func (m *Map[K, V]) Len() int {
	n := 0
	for i := range m.stripes {
		s := &m.stripes[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// Range calls f for each key and value until f returns false. Like
// sync.Map.Range it is not a consistent snapshot: each stripe is copied
// under its read lock and f runs with no lock held, so f may call any method
// of m, and a concurrent Store or Delete may or may not be reflected. No key
// is visited twice.
func (m *Map[K, V]) Range(f func(key K, value V) bool) {
	type entry struct {
		k K
		v V
	}
	var buf []entry
	for i := range m.stripes {
		s := &m.stripes[i]
		buf = buf[:0]
		s.mu.RLock()
		for k, v := range s.m {
			buf = append(buf, entry{k, v})
		}
		s.mu.RUnlock()
		for _, e := range buf {
			if !f(e.k, e.v) {
				return
			}
		}
	}
}
