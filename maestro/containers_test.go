package maestro

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRoundCapacity(t *testing.T) {
	for in, want := range map[int]int{-5: 1, 0: 1, 1: 1, 3: 4, 4: 4, 65535: 65536, 65536: 65536, 1 << 40: 1 << 30} {
		if got := roundCapacity(in); got != want {
			t.Errorf("roundCapacity(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestRawHashable(t *testing.T) {
	type padded struct {
		A uint8
		B uint32
	}
	if !newKeyHasher[FlowID]().raw || !newKeyHasher[MAC]().raw || !newKeyHasher[uint32]().raw {
		t.Error("FlowID, MAC and uint32 must hash from memory")
	}
	if newKeyHasher[padded]().raw || newKeyHasher[string]().raw || newKeyHasher[float64]().raw {
		t.Error("padded structs, strings and floats must use maphash")
	}
	// Equal keys hash equally on both paths, including -0 == +0.
	hf := newKeyHasher[float64]()
	z, nz := 0.0, math.Copysign(0, -1)
	if hf.hash(&z) != hf.hash(&nz) {
		t.Error("+0 and -0 hash differently")
	}
	hp := newKeyHasher[padded]()
	a, b := padded{1, 2}, padded{1, 2}
	if hp.hash(&a) != hp.hash(&b) {
		t.Error("equal padded keys hash differently")
	}
}

// TestHashSpread checks that nearby keys spread over slots: a raw-memory
// hash that ignored some bytes would pile them up.
func TestHashSpread(t *testing.T) {
	h := newKeyHasher[FlowID]()
	const buckets = 1024
	var count [buckets]int
	n := 0
	for s := range uint32(64) {
		for d := range uint16(256) {
			k := MakeFlowID(0x0a000000+s, 0x0b000001, 1000+d, 80, ProtoTCP)
			count[h.hash(&k)&(buckets-1)]++
			n++
		}
	}
	// Chi-square against uniform: 1023 degrees of freedom have mean 1023
	// and deviation about 45; a hash that ignored some key bytes scores in
	// the tens of thousands. The bound is over 6 deviations away.
	mean := float64(n) / buckets
	chi := 0.0
	for _, c := range count {
		d := float64(c) - mean
		chi += d * d / mean
	}
	if chi > 1300 {
		t.Fatalf("chi-square %.0f over %d buckets: keys pile up", chi, buckets)
	}
}

func TestMapFullAndDelete(t *testing.T) {
	m := NewMap[uint32, int](4)
	for i := range uint32(4) {
		if !m.Put(i, int(i)) {
			t.Fatalf("put %d refused", i)
		}
	}
	if m.Put(99, 1) || m.Has(99) || m.Len() != 4 {
		t.Fatal("full map accepted a new key")
	}
	if !m.Put(2, 20) {
		t.Fatal("full map refused an update")
	}
	if v, _ := m.Get(2); v != 20 {
		t.Fatalf("update lost: %d", v)
	}
	if !m.Delete(1) || m.Delete(1) || m.Has(1) {
		t.Fatal("delete")
	}
	if !m.Put(99, 9) {
		t.Fatal("put after delete refused")
	}
}

func TestTableExpiryOldestFirst(t *testing.T) {
	tb := NewTable[uint32, string](8, 100)
	tb.Insert(1, "a", 0)
	tb.Insert(2, "b", 10)
	tb.Insert(3, "c", 20)
	i2, _ := tb.Find(2)
	tb.Refresh(i2, 50)
	if n := tb.Expire(99); n != 0 {
		t.Fatalf("expired %d before timeout", n)
	}
	if n := tb.Expire(120); n != 2 || tb.Has(1) || tb.Has(3) || !tb.Has(2) {
		t.Fatalf("expire(120): n=%d has1=%v has2=%v has3=%v", n, tb.Has(1), tb.Has(2), tb.Has(3))
	}
	if n := tb.Expire(150); n != 1 || tb.Len() != 0 {
		t.Fatalf("expire(150): n=%d len=%d", n, tb.Len())
	}
}

func TestTableFullKeepsOld(t *testing.T) {
	tb := NewTable[uint32, int](2, 0)
	a, _ := tb.Insert(1, 1, 0)
	tb.Insert(2, 2, 0)
	if _, ok := tb.Insert(3, 3, 0); ok {
		t.Fatal("full table accepted a new key")
	}
	if tb.Has(3) || !tb.Has(1) || !tb.Has(2) || tb.Expire(1<<60) != 0 {
		t.Fatal("full table lost entries or timeout 0 expired")
	}
	if b, ok := tb.Insert(1, 10, 5); !ok || b != a || tb.At(a) != 10 {
		t.Fatal("re-insert of a present key must update in place")
	}
	if tb.At(-1) != 0 || tb.At(99) != 0 || tb.Set(99, 1) || tb.Valid(99) || tb.RemoveIndex(-3) {
		t.Fatal("out-of-range index accepted")
	}
}

func TestAllocator(t *testing.T) {
	a := NewAllocator(3, 10) // rounds to 4
	if a.Cap() != 4 {
		t.Fatalf("cap %d", a.Cap())
	}
	seen := map[int]bool{}
	for range 4 {
		i, ok := a.Allocate(0)
		if !ok || seen[i] {
			t.Fatalf("allocate: %d %v", i, ok)
		}
		seen[i] = true
	}
	if _, ok := a.Allocate(0); ok {
		t.Fatal("allocated beyond capacity")
	}
	a.Refresh(2, 5)
	if n := a.Expire(10); n != 3 || !a.IsAllocated(2) || a.Len() != 1 {
		t.Fatalf("expire: %d %v", n, a.IsAllocated(2))
	}
	if !a.Free(2) || a.Free(2) || a.Free(-1) || a.Free(4) {
		t.Fatal("free")
	}
}

func TestTimesOutOfOrderStaySorted(t *testing.T) {
	tb := NewTable[int, int](8, 10)
	tb.Insert(1, 0, 100)
	tb.Insert(2, 0, 50) // older than the newest entry
	if n := tb.Expire(65); n != 1 || tb.Has(2) != false || !tb.Has(1) {
		t.Fatalf("out-of-order insert not expired in order: n=%d", n)
	}
}

func TestVector(t *testing.T) {
	v := NewVector[int](0)
	if v.Len() != 1 || v.Set(1, 5) || v.At(7) != 0 || v.At(-1) != 0 {
		t.Fatal("bounds")
	}
	if !v.Set(0, 5) || v.At(0) != 5 {
		t.Fatal("set/at")
	}
}

func TestCountMin(t *testing.T) {
	cm := NewCountMin[uint64](256, 4, 1000)
	truth := map[uint64]uint32{}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		k := r.Uint64N(2000)
		truth[k]++
		cm.Add(k, 1, 0)
	}
	over := 0
	for k, n := range truth {
		e := cm.Estimate(k, 0)
		if e < n {
			t.Fatalf("underestimate %d < %d", e, n)
		}
		if e > n+100 {
			over++
		}
	}
	if over > len(truth)/10 {
		t.Errorf("%d of %d keys overestimated by more than 100", over, len(truth))
	}
	if cm.Estimate(5, 1000) != 0 {
		t.Error("counts did not expire")
	}
	if cm.Add(5, 1, 2000) != 1 {
		t.Error("expired counter did not restart")
	}
	sat := NewCountMin[int](1, 1, 0)
	sat.Add(1, ^uint32(0)-1, 0)
	if sat.Add(1, 5, 0) != ^uint32(0) {
		t.Error("counter wrapped")
	}
}

func TestBuildPerCoreDividesFlowContainers(t *testing.T) {
	type nf struct {
		t *Table[int, int]
		a *Allocator
		m *Map[int, int]
	}
	x := BuildPerCore(4, func() nf {
		return nf{NewTable[int, int](65536, 0), NewAllocator(1000, 0), NewMap[int, int](100)}
	})
	if x.t.Cap() != 16384 || x.a.Cap() != 256 || x.m.Cap() != 128 {
		t.Fatalf("caps %d %d %d", x.t.Cap(), x.a.Cap(), x.m.Cap())
	}
	if NewTable[int, int](65536, 0).Cap() != 65536 {
		t.Fatal("divisor leaked out of BuildPerCore")
	}
}

// TestBuildPerCoreOtherGoroutines: while a BuildPerCore runs, a container
// built on another goroutine (a sequential NF built at the same time)
// keeps its full capacity; the build's own goroutine gets the divided one.
func TestBuildPerCoreOtherGoroutines(t *testing.T) {
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan int)
	go func() {
		done <- BuildPerCore(4, func() int {
			close(inside)
			<-release // another goroutine builds meanwhile
			return NewTable[int, int](65536, 0).Cap()
		})
	}()
	<-inside
	if c := NewTable[int, int](65536, 0).Cap(); c != 65536 {
		t.Errorf("a table built on another goroutine during BuildPerCore has capacity %d, want 65536", c)
	}
	close(release)
	if c := <-done; c != 16384 {
		t.Errorf("the build's own table has capacity %d, want 16384", c)
	}
}

// Reference-model fuzzing: random operation sequences on Table (which
// contains the map and the double chain) against plain Go maps.
func FuzzTable(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200, 3, 3, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const timeout = 20
		tb := NewTable[uint16, uint16](8, timeout)
		ref := map[uint16]uint16{}
		last := map[uint16]int64{}
		now := int64(0)
		for j := 0; j+1 < len(ops); j += 2 {
			op, k := ops[j]%6, uint16(ops[j+1]%16)
			now += int64(ops[j] >> 4)
			switch op {
			case 0, 1:
				_, present := ref[k]
				_, ok := tb.Insert(k, k*3, now)
				if ok != (present || len(ref) < 8) {
					t.Fatalf("insert %d ok=%v present=%v len=%d", k, ok, present, len(ref))
				}
				if ok {
					ref[k], last[k] = k*3, now
				}
			case 2:
				if i, ok := tb.Find(k); ok {
					tb.Refresh(i, now)
					last[k] = now
				}
			case 3:
				_, present := ref[k]
				if tb.Remove(k) != present {
					t.Fatalf("remove %d", k)
				}
				delete(ref, k)
			case 4:
				n := tb.Expire(now)
				want := 0
				for key, tm := range last {
					if _, ok := ref[key]; ok && now-tm >= timeout {
						delete(ref, key)
						want++
					}
				}
				if n != want {
					t.Fatalf("expire freed %d, want %d", n, want)
				}
			case 5:
				v, ok := tb.Get(k)
				rv, rok := ref[k]
				if ok != rok || v != rv {
					t.Fatalf("get %d = %d,%v want %d,%v", k, v, ok, rv, rok)
				}
			}
			if tb.Len() != len(ref) {
				t.Fatalf("len %d want %d", tb.Len(), len(ref))
			}
		}
		for k, v := range ref {
			if i, ok := tb.Find(k); !ok || tb.At(i) != v || tb.Key(i) != k {
				t.Fatalf("lost %d", k)
			}
		}
	})
}

func FuzzMap(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 1, 1, 2, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		m := NewMap[uint8, int](16)
		ref := map[uint8]int{}
		for j := 0; j+1 < len(ops); j += 2 {
			k := ops[j+1] % 40
			switch ops[j] % 3 {
			case 0:
				_, present := ref[k]
				ok := m.Put(k, int(j))
				if ok != (present || len(ref) < 16) {
					t.Fatalf("put %d", k)
				}
				if ok {
					ref[k] = j
				}
			case 1:
				_, present := ref[k]
				if m.Delete(k) != present {
					t.Fatalf("delete %d", k)
				}
				delete(ref, k)
			case 2:
				v, ok := m.Get(k)
				if rv, rok := ref[k]; ok != rok || v != rv {
					t.Fatalf("get %d", k)
				}
			}
			if m.Len() != len(ref) {
				t.Fatalf("len")
			}
		}
	})
}

func TestContainersDoNotAllocate(t *testing.T) {
	tb := NewTable[FlowID, int](1024, 10)
	m := NewMap[MAC, Port](64)
	cm := NewCountMin[uint64](64, 4, 10)
	a := NewAllocator(64, 10)
	var now int64
	allocs := testing.AllocsPerRun(1000, func() {
		now++
		k := MakeFlowID(uint32(now%2000), 1, 0, 0, 0)
		if i, ok := tb.Find(k); ok {
			tb.Refresh(i, now)
		} else {
			tb.Insert(k, 1, now)
		}
		tb.Expire(now)
		tb.Prefetch(k)
		tb.PrefetchKeys([]FlowID{k, MakeFlowID(2, 3, 4, 5, 6)})
		m.Prefetch(MAC{byte(now)})
		m.PrefetchKeys([]MAC{{1}, {byte(now)}})
		m.Put(MAC{byte(now)}, 1)
		m.Delete(MAC{byte(now - 3)})
		cm.Add(uint64(now), 1, now)
		if i, ok := a.Allocate(now); ok && now%2 == 0 {
			a.Free(i)
		}
		a.Expire(now)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per operation mix", allocs)
	}
}

func BenchmarkTableFindHit(b *testing.B) {
	const n = 65536
	tb := NewTable[FlowID, struct{}](n, 0)
	keys := make([]FlowID, n)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range keys {
		keys[i] = MakeFlowID(r.Uint32(), r.Uint32(), uint16(r.Uint32()), 80, ProtoUDP)
		tb.Insert(keys[i], struct{}{}, 0)
	}
	// Probe in a shuffled order so that the table pays the cache misses of
	// a real flow mix; the probe list itself is read sequentially, as a
	// burst of packets would be.
	probe := make([]FlowID, n)
	for i, j := range r.Perm(n) {
		probe[i] = keys[j]
	}
	b.ReportAllocs()
	b.ResetTimer()
	miss := 0
	for i := 0; b.Loop(); i++ {
		if _, ok := tb.Find(probe[i&(n-1)]); !ok {
			miss++
		}
	}
	if miss != 0 {
		b.Fatal("missed")
	}
}

// TestRefusalsCountFullInserts: each container counts the new keys it
// refused for lack of room, and nothing else.
func TestRefusalsCountFullInserts(t *testing.T) {
	tb := NewTable[int, int](2, 0)
	m := NewMap[int, int](2)
	al := NewAllocator(2, 0)
	for k := range 3 {
		tb.Insert(k, k, 0)
		m.Put(k, k)
		al.Allocate(0)
	}
	tb.Insert(0, 9, 1) // present: replaced, not refused
	m.Put(1, 9)
	if tb.Refusals() != 1 || m.Refusals() != 1 || al.Refusals() != 1 {
		t.Fatalf("refusals: table %d, map %d, allocator %d; want 1 each", tb.Refusals(), m.Refusals(), al.Refusals())
	}
	tb.Remove(0)
	tb.Insert(5, 5, 2)
	if tb.Refusals() != 1 {
		t.Fatal("an insert with room counted as refused")
	}
}

// TestCountMinExpireUnobservable: Expire must not change any later result,
// even for an earlier time. A lock-based NF runs it in write passes only,
// and its packets' times are not in order once serialised, so a sketch
// whose results depended on when Expire ran would differ from every
// serialisation of the packets.
func TestCountMinExpireUnobservable(t *testing.T) {
	cm := NewCountMin[int](4, 2, 100)
	for k := range 8 {
		cm.Add(k, uint32(k+1), int64(k))
	}
	var before [8]uint32
	for k := range before {
		before[k] = cm.Estimate(k, 60)
	}
	for now := int64(100); now < 400; now += 50 {
		cm.Expire(now)
	}
	for k, want := range before {
		if got := cm.Estimate(k, 60); got != want {
			t.Fatalf("key %d at time 60: estimate %d after Expire at later times, %d before", k, got, want)
		}
	}
}

// TestCountMinsCollideAlike: a CountMin's estimates depend on which keys
// collide, so two sketches of the same shape fed the same keys must give
// the same estimates (a parallel NF's sketch is compared with the
// sequential NF's).
func TestCountMinsCollideAlike(t *testing.T) {
	a, b := NewCountMin[uint64](4, 1, 0), NewCountMin[uint64](4, 1, 0)
	for k := range uint64(40) {
		a.Add(k, uint32(k), 0)
		b.Add(k, uint32(k), 0)
	}
	for k := range uint64(40) {
		if ea, eb := a.Estimate(k, 0), b.Estimate(k, 0); ea != eb {
			t.Fatalf("key %d: estimates %d and %d from two identical sketches", k, ea, eb)
		}
	}
}
