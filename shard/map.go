package shard

import (
	"hash/maphash"
	"math/bits"
)

// Map is a hash map split into one private Go map per core, for
// shared-nothing code written by hand. Each key has exactly one owner core,
// [Map.Owner], chosen by a seeded hash of the key; the owner's shard,
// [Map.Core], is the only place that key lives.
//
// Contract: shard i is read and written only by core i. Code that receives
// work (packets, requests) must first route each item to the core that owns
// its key, for example by pushing it on that core's queue, and that core then
// uses Core(i) directly with ordinary map syntax. Map adds no locking; the
// race detector reports broken ownership in tests. [Map.Each] and [Map.Len]
// look at every shard and are only safe while the owners are quiescent.
type Map[K comparable, V any] struct {
	seed   maphash.Seed
	cores  uint64
	shards *PerCore[map[K]V]
}

// NewMap returns a Map with one shard per core and a fresh random hash seed.
// sizeHint is the expected total number of keys; each shard is pre-sized for
// its share (a negative hint counts as zero). It returns an error wrapping
// [ErrCores] if cores is not in [1, MaxCores].
func NewMap[K comparable, V any](cores, sizeHint int) (*Map[K, V], error) {
	return NewMapSeed[K, V](cores, sizeHint, maphash.MakeSeed())
}

// NewMapSeed is NewMap with a caller-chosen seed, so that several maps (or
// several runs in one process) agree on which core owns a key.
func NewMapSeed[K comparable, V any](cores, sizeHint int, seed maphash.Seed) (*Map[K, V], error) {
	if err := checkCores(cores); err != nil {
		return nil, err
	}
	per := 0
	if sizeHint > 0 {
		per = (sizeHint + cores - 1) / cores
	}
	shards, err := NewPerCore(cores, func(int) map[K]V { return make(map[K]V, per) })
	if err != nil {
		return nil, err
	}
	return &Map[K, V]{seed: seed, cores: uint64(cores), shards: shards}, nil
}

// Cores returns the number of shards.
func (m *Map[K, V]) Cores() int { return int(m.cores) }

// Owner returns the core in [0, Cores()) that owns key. It is safe for
// concurrent use: it reads only the seed and the core count.
func (m *Map[K, V]) Owner(key K) int {
	h := maphash.Comparable(m.seed, key)
	// Multiply-shift maps the 64-bit hash onto [0, cores) without a
	// division and uses the high bits, which maphash mixes as well as the
	// low ones; any core count works, not only powers of two.
	hi, _ := bits.Mul64(h, m.cores)
	return int(hi)
}

// Core returns core's shard, or nil if core is not in [0, Cores()). The
// shard is an ordinary Go map; only core may use it while workers run.
// Storing into it is fine (a Go map value refers to the same table as it
// grows), but keys stored in shard i must satisfy Owner(key) == i or other
// cores will not find them.
func (m *Map[K, V]) Core(core int) map[K]V {
	p := m.shards.Get(core)
	if p == nil {
		return nil
	}
	return *p
}

// Len returns the total number of keys over all shards. Owners must be
// quiescent.
func (m *Map[K, V]) Len() int {
	n := 0
	m.shards.Each(func(_ int, s *map[K]V) { n += len(*s) })
	return n
}

// Each calls f for every core in increasing order with that core's shard.
// Owners must be quiescent.
func (m *Map[K, V]) Each(f func(core int, shard map[K]V)) {
	m.shards.Each(func(i int, s *map[K]V) { f(i, *s) })
}
