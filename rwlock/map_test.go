package rwlock

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

func TestNewMapStripes(t *testing.T) {
	def := max(4*runtime.GOMAXPROCS(0), minDefaultStripes)
	for _, c := range []struct{ in, min, max int }{
		{1, 1, 1}, {2, 2, 2}, {3, 4, 4}, {17, 32, 32}, {64, 64, 64},
		{0, def, 2 * def}, {-7, def, 2 * def},
		{MaxStripes + 1, MaxStripes, MaxStripes}, {1 << 40, MaxStripes, MaxStripes},
	} {
		n := NewMap[int, int](c.in, -1).Stripes()
		if n < c.min || n > c.max || n&(n-1) != 0 {
			t.Errorf("NewMap(%d).Stripes() = %d, want a power of two in [%d, %d]", c.in, n, c.min, c.max)
		}
	}
}

// TestMapAgainstReference applies random operations to a Map and to a plain
// Go map and compares every result.
func TestMapAgainstReference(t *testing.T) {
	for _, stripes := range []int{1, 4, 64} {
		m := NewMap[uint16, int](stripes, 10)
		ref := map[uint16]int{}
		rng := rand.New(rand.NewPCG(uint64(stripes), 7))
		for i := 0; i < 30000; i++ {
			k := uint16(rng.IntN(500))
			switch op := rng.IntN(10); {
			case op < 3:
				got, ok := m.Load(k)
				want, wok := ref[k]
				if got != want || ok != wok {
					t.Fatalf("stripes %d op %d: Load(%d) = %d,%v; want %d,%v", stripes, i, k, got, ok, want, wok)
				}
			case op < 5:
				m.Store(k, i)
				ref[k] = i
			case op < 7:
				m.Delete(k)
				delete(ref, k)
			case op < 9:
				got, loaded := m.LoadOrStore(k, i)
				want, wok := ref[k]
				if !wok {
					want = i
					ref[k] = i
				}
				if got != want || loaded != wok {
					t.Fatalf("stripes %d op %d: LoadOrStore(%d) = %d,%v; want %d,%v", stripes, i, k, got, loaded, want, wok)
				}
			default:
				if m.Len() != len(ref) {
					t.Fatalf("stripes %d op %d: Len() = %d, want %d", stripes, i, m.Len(), len(ref))
				}
			}
		}
		seen := map[uint16]bool{}
		m.Range(func(k uint16, v int) bool {
			if seen[k] {
				t.Errorf("Range visited %d twice", k)
			}
			seen[k] = true
			if w, ok := ref[k]; !ok || w != v {
				t.Errorf("Range: %d = %d, reference %d,%v", k, v, w, ok)
			}
			return true
		})
		if len(seen) != len(ref) {
			t.Errorf("Range visited %d keys, want %d", len(seen), len(ref))
		}
	}
}

func TestMapRangeStopsAndMayWrite(t *testing.T) {
	m := NewMap[int, int](4, 0)
	for k := range 100 {
		m.Store(k, k)
	}
	calls := 0
	m.Range(func(k, v int) bool {
		calls++
		return calls < 10
	})
	if calls != 10 {
		t.Errorf("Range called f %d times after it returned false at 10", calls)
	}
	// f may call back into the map: Range holds no lock while f runs.
	m.Range(func(k, v int) bool {
		m.Store(k, v+1000)
		m.Delete(k + 1000)
		return true
	})
	for k := range 100 {
		if v, _ := m.Load(k); v != k+1000 {
			t.Fatalf("key %d = %d after Range stored %d", k, v, k+1000)
		}
	}
}

// TestMapConcurrent has goroutines write disjoint key sets while readers
// run Load, Len and Range on everything; the final contents must match each
// writer's own reference.
func TestMapConcurrent(t *testing.T) {
	const writers, keysPer, ops = 4, 200, 4000
	m := NewMap[int, int](8, 0)
	refs := make([]map[int]int, writers)
	var readers sync.WaitGroup
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		refs[w] = map[int]int{}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for i := 0; i < ops; i++ {
				k := w*keysPer + rng.IntN(keysPer)
				switch rng.IntN(3) {
				case 0:
					m.Store(k, i)
					refs[w][k] = i
				case 1:
					m.Delete(k)
					delete(refs[w], k)
				case 2:
					if _, loaded := m.LoadOrStore(k, -i); !loaded {
						refs[w][k] = -i
					}
				}
			}
		})
	}
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				m.Load(keysPer / 2)
				if n := m.Len(); n < 0 || n > writers*keysPer {
					t.Errorf("Len() = %d out of range", n)
				}
				m.Range(func(k, v int) bool { return k >= 0 })
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	total := 0
	for w, ref := range refs {
		total += len(ref)
		for k, v := range ref {
			if got, ok := m.Load(k); !ok || got != v {
				t.Errorf("writer %d key %d = %d,%v; want %d", w, k, got, ok, v)
			}
		}
	}
	if m.Len() != total {
		t.Errorf("Len() = %d, want %d", m.Len(), total)
	}
}

// TestMapLoadOrStoreRace: of many goroutines racing to LoadOrStore one key,
// exactly one stores and all agree on the value.
func TestMapLoadOrStoreRace(t *testing.T) {
	const n = 16
	for round := 0; round < 50; round++ {
		m := NewMap[string, int](2, 0)
		var stored sync.WaitGroup
		results := make([]int, n)
		storedBy := make([]bool, n)
		for g := range n {
			stored.Go(func() {
				results[g], storedBy[g] = m.LoadOrStore("k", g)
				storedBy[g] = !storedBy[g]
			})
		}
		stored.Wait()
		winners := 0
		for g := range n {
			if storedBy[g] {
				winners++
				if results[g] != g {
					t.Fatalf("winner %d got %d", g, results[g])
				}
			}
			if results[g] != results[0] {
				t.Fatalf("goroutines disagree: %v", results)
			}
		}
		if winners != 1 {
			t.Fatalf("%d goroutines stored, want 1", winners)
		}
	}
}
