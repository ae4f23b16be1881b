package maestro

import (
	"math/bits"
	"unsafe"
)

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
// never degrades and never needs rehashing. Each slot is 8 bytes: the low 32
// bits of the key's hash (at most 2^31 slots, so that is enough to find its
// home slot) and the entry index. The key itself is stored once, in the
// owner's key array (keys, indexed by entry), as libVig's map keeps it in a
// vector: shifting never rehashes, and most mismatches are rejected by the
// hash before the key is read. Two slots per entry cost 16 bytes, a third
// of what slots holding the key took.
//
// Probe chains are bounded, the second line of defence against hash
// flooding after the keyed hash: no key sits more than limit slots past its
// home slot. An insert that finds no empty slot within the limit is refused,
// as a full container refuses, and counted. Lookups, removals and backward
// shifts then stop after limit+1 slots, whatever the clustering, without
// ever missing a present key, because every present key lies within the
// limit of its home (backward shifting only moves keys closer to home).
type keyIndex[K comparable] struct {
	slots []islot
	keys  []K // the owner's keys, by entry index
	mask  uint64
	limit uint64 // greatest displacement of a key from its home slot
	h     keyHasher[K]
	// longChains counts inserts refused because every slot within the
	// limit was taken.
	longChains uint64
}

type islot struct {
	hash uint32 // low 32 bits of the key's hash: home slot and quick filter
	pos  int32  // entry index + 1; 0 marks an empty slot
}

// probeLimit returns the displacement limit of an index of n slots (a power
// of two): 8 slots per bit of n, at most n-1 (then the bound is the table).
// With a keyed hash and at most half of the slots taken, the chance that a
// key lands d or more slots past its home falls geometrically with d (by
// about 0.82 a slot at half load), and the longest displacement grows like
// log n: measured at full capacity, about 25 slots for 2^13 slots, 35 for
// 2^17, 55 for 2^21 (TestProbeLimitSpare checks the middle one), against
// limits of 112, 144 and 176. So random keys are practically never
// refused, while a lookup never reads more than 8*log2(n)+1 slots even if
// the hash were broken: at most a few KiB, read sequentially.
func probeLimit(n int) uint64 {
	return uint64(min(n-1, 8*bits.Len(uint(n))))
}

// newKeyIndex returns an index for len(keys) entries whose keys the owner
// keeps in keys.
func newKeyIndex[K comparable](keys []K) keyIndex[K] {
	n := 2 * len(keys)
	return keyIndex[K]{slots: make([]islot, n), keys: keys, mask: uint64(n - 1), limit: probeLimit(n), h: newKeyHasher[K]()}
}

// find returns k's entry index.
func (x *keyIndex[K]) find(k *K) (int32, bool) {
	var hv uint64
	if x.h.words != 0 {
		hv = x.h.hashWords(k)
	} else {
		hv = x.h.hashMem(k)
	}
	return x.findHashed(k, hv)
}

// findHashed is find with k's hash hv already computed.
func (x *keyIndex[K]) findHashed(k *K, hv uint64) (int32, bool) {
	tag := uint32(hv)
	i := hv & x.mask
	end := (i + x.limit) & x.mask
	for ; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s.pos == 0 {
			return -1, false
		}
		if s.hash == tag && x.keys[s.pos-1] == *k {
			return s.pos - 1, true
		}
		if i == end {
			return -1, false // every present key lies within the limit
		}
	}
}

// prefetch puts in flight, for every key of ks (at most PrefetchBurst),
// the cache lines a lookup of it reads first: its home slot and, once that
// slot is read, the key of the entry the slot holds. It stores in pos that
// entry's index, or -1 for an empty home slot, for the owner to prefetch
// its own per-entry data. It changes nothing.
//
// The slots of all keys are prefetched before any is read, so their misses
// overlap; reading them then waits about one miss for the whole batch, not
// one per key, and the keys' prefetches overlap in turn.
func (x *keyIndex[K]) prefetch(ks []K, pos *[PrefetchBurst]int64) {
	ks = ks[:min(len(ks), PrefetchBurst)]
	if x.h.words != 0 {
		for i := range ks {
			pos[i] = int64(x.h.hashWords(&ks[i]) & x.mask)
		}
	} else {
		for i := range ks {
			pos[i] = int64(x.h.hashMem(&ks[i]) & x.mask)
		}
	}
	n := len(ks)
	if n == 0 || len(x.slots) == 0 {
		return
	}
	prefetchEach(unsafe.Pointer(&x.slots[0]), unsafe.Sizeof(islot{}), pos[:n])
	for i := range n {
		pos[i] = int64(x.slots[pos[i]].pos) - 1
	}
	var k K
	if unsafe.Sizeof(k) != 0 {
		prefetchEach(unsafe.Pointer(&x.keys[0]), unsafe.Sizeof(k), pos[:n])
	}
}

// noSlot is lookup's answer when k is absent and no empty slot lies within
// the limit.
const noSlot = ^uint64(0)

// lookup returns k's entry index if k is present. Otherwise it returns the
// slot where insert must put k, the first empty slot of k's probe chain, or
// noSlot when every slot within the limit is taken; and k's hash for insert.
func (x *keyIndex[K]) lookup(k *K) (idx int32, found bool, slot, hv uint64) {
	hv = x.h.hash(k)
	tag := uint32(hv)
	i := hv & x.mask
	end := (i + x.limit) & x.mask
	for ; ; i = (i + 1) & x.mask {
		s := x.slots[i]
		if s.pos == 0 {
			return -1, false, i, hv
		}
		if s.hash == tag && x.keys[s.pos-1] == *k {
			return s.pos - 1, true, 0, hv
		}
		if i == end {
			return -1, false, noSlot, hv
		}
	}
}

// insert records entry idx, whose key the owner has stored in keys[idx], in
// slot, which lookup returned for that key with hash hv, with no change to
// the index since.
func (x *keyIndex[K]) insert(slot, hv uint64, idx int32) {
	x.slots[slot] = islot{hash: uint32(hv), pos: idx + 1}
}

// remove deletes entry idx, whose key is still in keys[idx], from the index.
// It reports whether the entry was indexed.
func (x *keyIndex[K]) remove(idx int32) bool {
	hv := x.h.hash(&x.keys[idx])
	tag := uint32(hv)
	i := hv & x.mask
	end := (i + x.limit) & x.mask
	for {
		s := x.slots[i]
		if s.pos == 0 {
			return false
		}
		if s.hash == tag && s.pos == idx+1 {
			break
		}
		if i == end {
			return false
		}
		i = (i + 1) & x.mask
	}
	// Backward shift: pull later members of the probe run into the hole
	// unless that would move them before their home slot. A key more than
	// limit slots past the hole has its home after the hole (its
	// displacement is at most limit), so it can never move into it and
	// the shift stops there even inside a longer run.
	for j := (i + 1) & x.mask; x.slots[j].pos != 0 && (j-i)&x.mask <= x.limit; j = (j + 1) & x.mask {
		home := uint64(x.slots[j].hash) & x.mask
		if (j-home)&x.mask >= (j-i)&x.mask {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = islot{}
	return true
}
