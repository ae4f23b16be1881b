package maestro

// Map is a fixed-capacity hash map: libVig's map plus the vector that holds
// its values. It never grows: Put on a full map fails and changes nothing.
// The zero Map is not usable; build one with NewMap.
type Map[K comparable, V any] struct {
	idx  keyIndex[K]
	keys []K
	vals []V
	free []int32 // stack of unused entry indexes
}

// NewMap returns a map holding up to capacity entries (rounded up to a power
// of two, at least 1, at most 2^30).
func NewMap[K comparable, V any](capacity int) *Map[K, V] {
	c := roundCapacity(capacity)
	m := &Map[K, V]{
		idx:  newKeyIndex[K](c),
		keys: make([]K, c),
		vals: make([]V, c),
		free: make([]int32, c),
	}
	for i := range m.free {
		m.free[i] = int32(c - 1 - i)
	}
	return m
}

// Cap returns the maximum number of entries.
func (m *Map[K, V]) Cap() int { return len(m.vals) }

// Len returns the number of entries.
func (m *Map[K, V]) Len() int { return len(m.vals) - len(m.free) }

// Get returns the value stored for k.
func (m *Map[K, V]) Get(k K) (V, bool) {
	if i, ok := m.idx.find(&k); ok {
		return m.vals[i], true
	}
	var zero V
	return zero, false
}

// Has reports whether k is present.
func (m *Map[K, V]) Has(k K) bool {
	_, ok := m.idx.find(&k)
	return ok
}

// Put stores v for k, replacing any previous value. It reports false, and
// changes nothing, when k is new and the map is full.
func (m *Map[K, V]) Put(k K, v V) bool {
	if i, ok := m.idx.find(&k); ok {
		m.vals[i] = v
		return true
	}
	n := len(m.free)
	if n == 0 {
		return false
	}
	i := m.free[n-1]
	m.free = m.free[:n-1]
	m.keys[i] = k
	m.vals[i] = v
	m.idx.insert(&k, i)
	return true
}

// Delete removes k. It reports whether k was present.
func (m *Map[K, V]) Delete(k K) bool {
	i, ok := m.idx.remove(&k)
	if !ok {
		return false
	}
	var zk K
	var zv V
	m.keys[i], m.vals[i] = zk, zv
	m.free = append(m.free, i) // within capacity: never allocates
	return true
}
