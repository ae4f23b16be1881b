package rwlock_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/rwlock"
	"github.com/puzpuzpuz/xsync/v3"
)

// guarded is the data of the benchmarks' tiny critical section, alone on its
// cache lines so that only the lock and the section's own traffic count.
type guarded struct {
	_    [128]byte
	a, b uint64
	_    [128]byte
}

// sink keeps the readers' loads from being optimized away.
var sink sync.Map

// runGoroutines splits b.N operations over g goroutines, goroutine i acting
// as core i, and times them all.
func runGoroutines(b *testing.B, g int, work func(core, ops int)) {
	b.ReportAllocs()
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range g {
		ops := b.N / g
		if i < b.N%g {
			ops++
		}
		wg.Go(func() { work(i, ops) })
	}
	wg.Wait()
}

// Each worker below runs ops operations; every writeEvery-th is a write
// (a countdown instead of i%writeEvery keeps a division out of the loop).
// The workers are written out per lock type, not behind an interface, so
// that no lock pays for an indirect call the others avoid.

func bigReaderWorker(l *rwlock.BigReader, d *guarded, writeEvery int) func(core, ops int) {
	return func(core, ops int) {
		var sum uint64
		next := writeEvery - core*writeEvery/2
		for range ops {
			if next--; next == 0 {
				next = writeEvery
				l.Lock()
				d.a++
				d.b++
				l.Unlock()
				continue
			}
			l.RLock(core)
			sum += d.a - d.b
			l.RUnlock(core)
		}
		if sum != 0 {
			sink.Store(core, sum) // torn read: never happens
		}
	}
}

func rbMutexWorker(l *xsync.RBMutex, d *guarded, writeEvery int) func(core, ops int) {
	return func(core, ops int) {
		var sum uint64
		next := writeEvery - core*writeEvery/2
		for range ops {
			if next--; next == 0 {
				next = writeEvery
				l.Lock()
				d.a++
				d.b++
				l.Unlock()
				continue
			}
			t := l.RLock()
			sum += d.a - d.b
			l.RUnlock(t)
		}
		if sum != 0 {
			sink.Store(core, sum)
		}
	}
}

func rwMutexWorker(l *sync.RWMutex, d *guarded, writeEvery int) func(core, ops int) {
	return func(core, ops int) {
		var sum uint64
		next := writeEvery - core*writeEvery/2
		for range ops {
			if next--; next == 0 {
				next = writeEvery
				l.Lock()
				d.a++
				d.b++
				l.Unlock()
				continue
			}
			l.RLock()
			sum += d.a - d.b
			l.RUnlock()
		}
		if sum != 0 {
			sink.Store(core, sum)
		}
	}
}

// BenchmarkLock compares BigReader with xsync.RBMutex and sync.RWMutex on a
// two-word critical section, with 1 and 2 goroutines (each its own core id)
// and 0.1% or 10% of operations writing. ns/op is wall time per operation
// over all goroutines, so it falls as a lock scales.
func BenchmarkLock(b *testing.B) {
	for _, w := range []struct {
		name  string
		every int
	}{{"w=0.1%", 1000}, {"w=10%", 10}} {
		for _, g := range []int{1, 2} {
			prefix := fmt.Sprintf("%s/g=%d", w.name, g)
			b.Run(prefix+"/BigReader", func(b *testing.B) {
				l, err := rwlock.New(g)
				if err != nil {
					b.Fatal(err)
				}
				runGoroutines(b, g, bigReaderWorker(l, new(guarded), w.every))
			})
			b.Run(prefix+"/RBMutex", func(b *testing.B) {
				runGoroutines(b, g, rbMutexWorker(xsync.NewRBMutex(), new(guarded), w.every))
			})
			b.Run(prefix+"/RWMutex", func(b *testing.B) {
				runGoroutines(b, g, rwMutexWorker(new(sync.RWMutex), new(guarded), w.every))
			})
		}
	}
}

const benchKeys = 1 << 16

// mapOps is the read-mostly mix: 90% Load, 10% Store, over benchKeys keys
// drawn by a per-goroutine xorshift generator (no shared state, no calls).
func mapOps(pb *testing.PB, seed uint64, load func(uint64), store func(uint64)) {
	x := seed | 1
	for pb.Next() {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		k := x & (benchKeys - 1)
		if (x>>16)%10 == 0 {
			store(k)
		} else {
			load(k)
		}
	}
}

// rwMutexMap is the baseline: one sync.RWMutex around one Go map.
type rwMutexMap struct {
	mu sync.RWMutex
	m  map[uint64]uint64
}

// BenchmarkMap compares rwlock.Map with xsync.MapOf, sync.Map and a single
// sync.RWMutex around a map, on 90% Load / 10% Store over 65,536 present
// keys. Run with -cpu 1,2 for one and two goroutines.
func BenchmarkMap(b *testing.B) {
	var seeds sync.Map
	seed := func() uint64 {
		var n uint64
		seeds.Range(func(any, any) bool { n++; return true })
		seeds.Store(n, true)
		return 0x9E3779B97F4A7C15 * (n + 1)
	}
	b.Run("rwlock.Map", func(b *testing.B) {
		m := rwlock.NewMap[uint64, uint64](0, benchKeys)
		for k := range uint64(benchKeys) {
			m.Store(k, k)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var s uint64
			mapOps(pb, seed(), func(k uint64) { v, _ := m.Load(k); s += v }, func(k uint64) { m.Store(k, k) })
			_ = s
		})
	})
	b.Run("xsync.MapOf", func(b *testing.B) {
		m := xsync.NewMapOf[uint64, uint64](xsync.WithPresize(benchKeys))
		for k := range uint64(benchKeys) {
			m.Store(k, k)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var s uint64
			mapOps(pb, seed(), func(k uint64) { v, _ := m.Load(k); s += v }, func(k uint64) { m.Store(k, k) })
			_ = s
		})
	})
	b.Run("sync.Map", func(b *testing.B) {
		var m sync.Map
		for k := range uint64(benchKeys) {
			m.Store(k, k)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var s uint64
			mapOps(pb, seed(), func(k uint64) {
				if v, ok := m.Load(k); ok {
					s += v.(uint64)
				}
			}, func(k uint64) { m.Store(k, k) })
			_ = s
		})
	})
	b.Run("RWMutex+map", func(b *testing.B) {
		m := &rwMutexMap{m: make(map[uint64]uint64, benchKeys)}
		for k := range uint64(benchKeys) {
			m.m[k] = k
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var s uint64
			mapOps(pb, seed(), func(k uint64) {
				m.mu.RLock()
				s += m.m[k]
				m.mu.RUnlock()
			}, func(k uint64) {
				m.mu.Lock()
				m.m[k] = k
				m.mu.Unlock()
			})
			_ = s
		})
	})
}
