package maestro

import "math/bits"

// maxCapacity bounds every container so that indexes fit in int32.
const maxCapacity = 1 << 30

// roundCapacity returns the power of two a container of the requested
// capacity gets: at least 1, at most maxCapacity.
func roundCapacity(n int) int {
	if n <= 1 {
		return 1
	}
	if n >= maxCapacity {
		return maxCapacity
	}
	return 1 << bits.Len(uint(n-1))
}

// keyIndex maps keys to entry indexes 0..cap-1 by open addressing with linear
// probing. It has twice as many slots as entries, so probes stay short, and
// deletes by backward shifting (no tombstones): a table under steady churn
// never degrades and never needs rehashing. Each slot caches the low 32 bits
// of the key's hash (at most 2^31 slots, so that is enough to find its home
// slot): shifting never rehashes, and most mismatches are rejected before
// keys are compared.
type keyIndex[K comparable] struct {
	slots []islot[K]
	mask  uint64
	h     keyHasher[K]
}

type islot[K comparable] struct {
	key  K
	hash uint32 // low 32 bits of the key's hash: home slot and quick filter
	pos  int32  // entry index + 1; 0 marks an empty slot
}

func newKeyIndex[K comparable](capacity int) keyIndex[K] {
	n := 2 * capacity
	return keyIndex[K]{slots: make([]islot[K], n), mask: uint64(n - 1), h: newKeyHasher[K]()}
}

// find returns k's entry index.
func (x *keyIndex[K]) find(k *K) (int32, bool) {
	hv := x.h.hash(k)
	tag := uint32(hv)
	for i := hv & x.mask; ; i = (i + 1) & x.mask {
		s := &x.slots[i]
		if s.pos == 0 {
			return -1, false
		}
		if s.hash == tag && s.key == *k {
			return s.pos - 1, true
		}
	}
}

// insert records k -> idx. k must be absent and the index not full (the
// callers bound entries by capacity, so a free slot always exists).
func (x *keyIndex[K]) insert(k *K, idx int32) {
	hv := x.h.hash(k)
	i := hv & x.mask
	for x.slots[i].pos != 0 {
		i = (i + 1) & x.mask
	}
	x.slots[i] = islot[K]{key: *k, hash: uint32(hv), pos: idx + 1}
}

// remove deletes k and returns its entry index.
func (x *keyIndex[K]) remove(k *K) (int32, bool) {
	hv := x.h.hash(k)
	tag := uint32(hv)
	i := hv & x.mask
	for {
		s := &x.slots[i]
		if s.pos == 0 {
			return -1, false
		}
		if s.hash == tag && s.key == *k {
			break
		}
		i = (i + 1) & x.mask
	}
	idx := x.slots[i].pos - 1
	// Backward shift: pull later members of the probe run into the hole
	// unless that would move them before their home slot.
	for j := (i + 1) & x.mask; x.slots[j].pos != 0; j = (j + 1) & x.mask {
		home := uint64(x.slots[j].hash) & x.mask
		if (j-home)&x.mask >= (j-i)&x.mask {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = islot[K]{}
	return idx, true
}
