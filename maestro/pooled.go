package maestro

import "fmt"

// Value tables: RSS-aware allocation with global indexes.
//
// A NAT hands out external ports, and the replies come back keyed by them.
// When the table's index is the port's offset from a base (index i stands
// for value base+i, the same on every core and in the sequential NF), a
// parallel NF can let each core allocate only the indexes whose value the
// NIC delivers back to that core (rss.Config.ValuePools, computed from the
// very configuration the NIC is programmed with). A reply carrying value v
// is then looked up, by IndexOf(v), on the one core where index v-base can
// be live, whatever core the forward packet's own hash chose: the forward
// side may hash its whole tuple. The analysis (analyzers/stateaccess,
// "pooled accesses") relies on three things this file guarantees:
//
//   - IndexOf and ValueOf depend only on the table's base and capacity,
//     fixed at construction: they read no state;
//   - a restricted table (RestrictValues) never allocates an index outside
//     its pool, through Insert or after anything that empties it;
//   - a value table's index space is whole on every core (NewValueTable is
//     not divided by BuildPerCore): per-core capacity is set by the pool.

// NewValueTable returns a table of capacity entries (rounded up to a power
// of two, at least 1, at most 2^30) whose index i stands for the value
// base+i: IndexOf and ValueOf convert. Unlike NewTable, its capacity is not
// divided inside BuildPerCore, because index i must mean the same value on
// every core; a parallel NF restricts each core to its own values with
// RestrictValues instead. It reports an error when base+capacity exceeds
// 2^32.
func NewValueTable[K comparable, V any](base uint32, capacity int, timeout int64) (*Table[K, V], error) {
	c := roundCapacity(capacity)
	if uint64(base)+uint64(c) > 1<<32 {
		return nil, fmt.Errorf("maestro: value table of %d values from %d overflows 32 bits", c, base)
	}
	keys := make([]K, c)
	return &Table[K, V]{s: &tableData[K, V]{
		idx:   newKeyIndex(keys),
		chain: newChain(c, timeout),
		keys:  keys,
		vals:  make([]V, c),
		base:  base,
	}}, nil
}

// IndexOf returns the index that value v stands for, and false when v is
// outside the table's values. It reads no state: on a table built by
// NewTable (base 0) it is the identity on 0..Cap()-1.
func (t *Table[K, V]) IndexOf(v uint32) (int, bool) {
	i := v - t.s.base
	if v < t.s.base || uint64(i) >= uint64(len(t.s.vals)) {
		return -1, false
	}
	return int(i), true
}

// ValueOf returns the value index i stands for (base+i). It reads no state.
func (t *Table[K, V]) ValueOf(i int) uint32 { return t.s.base + uint32(i) }

// RestrictValues makes values, in this order, the only ones (through their
// indexes) that Insert may ever allocate: a parallel NF gives each core the
// values whose return traffic reaches it. The table must be empty, and
// values distinct and within the table's. A full pool refuses inserts,
// counted in Refusals: each core's exhaustion shows on its own table.
func (t *Table[K, V]) RestrictValues(values []uint32) error {
	t.v.denyWrite()
	if t.s.chain.n != 0 {
		return fmt.Errorf("maestro: RestrictValues on a table holding %d entries", t.s.chain.n)
	}
	idx := make([]int32, 0, len(values))
	seen := make(map[int]bool, len(values))
	for _, v := range values {
		i, ok := t.IndexOf(v)
		if !ok {
			return fmt.Errorf("maestro: value %d outside the table's %d..%d", v, t.s.base, uint64(t.s.base)+uint64(len(t.s.vals))-1)
		}
		if seen[i] {
			return fmt.Errorf("maestro: value %d twice", v)
		}
		seen[i] = true
		idx = append(idx, int32(i))
	}
	t.s.chain.pool = idx
	t.s.chain.reset()
	return nil
}

// Pool returns the values Insert may allocate, as restricted by
// RestrictValues (nil when unrestricted).
func (t *Table[K, V]) Pool() []uint32 {
	if t.s.chain.pool == nil {
		return nil
	}
	out := make([]uint32, len(t.s.chain.pool))
	for k, i := range t.s.chain.pool {
		out[k] = t.ValueOf(int(i))
	}
	return out
}

// linkPool makes the free list hold exactly c.pool, in order, after reset
// linked every index: indexes outside the pool stay free-marked but
// unreachable, so they are never allocated and never valid.
func (c *chain) linkPool() {
	c.free = -1
	for k := len(c.pool) - 1; k >= 0; k-- {
		i := c.pool[k]
		c.cells[i].next = c.free
		c.free = i
	}
}
