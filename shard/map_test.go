package shard

import (
	"errors"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestNewMapRejectsBadCounts(t *testing.T) {
	for _, n := range []int{0, -3, MaxCores + 1} {
		if m, err := NewMap[int, int](n, 10); !errors.Is(err, ErrCores) || m != nil {
			t.Errorf("NewMap(%d) = %v, %v; want nil, ErrCores", n, m, err)
		}
	}
	m, err := NewMap[int, int](2, -5) // negative hint is clamped, not an error
	if err != nil {
		t.Fatal(err)
	}
	if m.Core(-1) != nil || m.Core(2) != nil {
		t.Error("Core out of range is not nil")
	}
}

func TestMapOwnerRangeSpreadAndSeed(t *testing.T) {
	const cores = 3 // not a power of two on purpose
	seed := maphash.MakeSeed()
	a, err := NewMapSeed[uint64, int](cores, 0, seed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewMapSeed[uint64, int](cores, 0, seed)
	if err != nil {
		t.Fatal(err)
	}
	var hits [cores]int
	for k := uint64(0); k < 30000; k++ {
		o := a.Owner(k)
		if o < 0 || o >= cores {
			t.Fatalf("Owner(%d) = %d out of range", k, o)
		}
		if o != a.Owner(k) || o != b.Owner(k) {
			t.Fatalf("Owner(%d) not deterministic for one seed", k)
		}
		hits[o]++
	}
	// A uniform hash puts 10000 +- ~82 (1 sigma) keys on each core; 9000
	// is more than 12 sigma away, so this only fails on a broken hash.
	for c, n := range hits {
		if n < 9000 || n > 11000 {
			t.Errorf("core %d owns %d of 30000 keys: %v", c, n, hits)
		}
	}
}

// TestMapAgainstReference applies random operations, each routed to its
// owner's shard, and compares with a single Go map.
func TestMapAgainstReference(t *testing.T) {
	type key struct {
		ip   uint32
		port uint16
		name string
	}
	const cores = 4
	m, err := NewMap[key, int](cores, 100)
	if err != nil {
		t.Fatal(err)
	}
	ref := map[key]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	mk := func() key {
		n := rng.IntN(300)
		return key{ip: uint32(n), port: uint16(n % 7), name: string(rune('a' + n%5))}
	}
	for i := 0; i < 20000; i++ {
		k := mk()
		s := m.Core(m.Owner(k))
		switch rng.IntN(3) {
		case 0:
			s[k] = i
			ref[k] = i
		case 1:
			delete(s, k)
			delete(ref, k)
		case 2:
			got, ok := s[k]
			want, wok := ref[k]
			if got != want || ok != wok {
				t.Fatalf("op %d: get %v = %d,%v; want %d,%v", i, k, got, ok, want, wok)
			}
		}
	}
	if m.Len() != len(ref) {
		t.Fatalf("Len() = %d, want %d", m.Len(), len(ref))
	}
	seen := 0
	m.Each(func(core int, s map[key]int) {
		for k, v := range s {
			seen++
			if m.Owner(k) != core {
				t.Errorf("key %v in shard %d, owner %d", k, core, m.Owner(k))
			}
			if ref[k] != v {
				t.Errorf("key %v = %d, want %d", k, v, ref[k])
			}
		}
	})
	if seen != len(ref) {
		t.Errorf("Each saw %d keys, want %d", seen, len(ref))
	}
}

// TestMapSharedNothingWorkers routes keys to per-core workers that each
// write only their own shard, as a poll loop would; -race checks ownership.
func TestMapSharedNothingWorkers(t *testing.T) {
	const cores, keys = 4, 5000
	m, err := NewMap[int, int](cores, keys)
	if err != nil {
		t.Fatal(err)
	}
	queues := make([]chan int, cores)
	var wg sync.WaitGroup
	for c := range cores {
		queues[c] = make(chan int, 64)
		wg.Go(func() {
			s := m.Core(c)
			for k := range queues[c] {
				s[k] += k
			}
		})
	}
	for round := 0; round < 2; round++ {
		for k := 0; k < keys; k++ {
			queues[m.Owner(k)] <- k
		}
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	if m.Len() != keys {
		t.Fatalf("Len() = %d, want %d", m.Len(), keys)
	}
	for k := 0; k < keys; k++ {
		if v := m.Core(m.Owner(k))[k]; v != 2*k {
			t.Fatalf("key %d = %d, want %d", k, v, 2*k)
		}
	}
}
