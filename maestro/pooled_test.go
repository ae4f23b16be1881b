package maestro_test

import (
	"slices"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
)

func TestValueTable(t *testing.T) {
	tb, err := maestro.NewValueTable[uint32, int](1000, 8, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v  uint32
		i  int
		ok bool
	}{{999, -1, false}, {1000, 0, true}, {1007, 7, true}, {1008, -1, false}, {0, -1, false}} {
		if i, ok := tb.IndexOf(c.v); i != c.i || ok != c.ok {
			t.Errorf("IndexOf(%d) = %d %v, want %d %v", c.v, i, ok, c.i, c.ok)
		}
	}
	if v := tb.ValueOf(7); v != 1007 {
		t.Errorf("ValueOf(7) = %d", v)
	}
	if _, err := maestro.NewValueTable[uint32, int](1<<32-4, 8, 10); err == nil {
		t.Error("values past 2^32 accepted")
	}
	// Not divided inside BuildPerCore: index i must mean the same value on
	// every core.
	per := maestro.BuildPerCore(4, func() *maestro.Table[uint32, int] {
		x, _ := maestro.NewValueTable[uint32, int](0, 64, 0)
		return x
	})
	if per.Cap() != 64 {
		t.Errorf("value table built per core has capacity %d, want 64", per.Cap())
	}
}

func TestRestrictValues(t *testing.T) {
	tb, _ := maestro.NewValueTable[uint32, int](1000, 8, 10)
	pool := []uint32{1005, 1002, 1007}
	for _, bad := range [][]uint32{{999}, {1008}, {1002, 1002}} {
		if err := tb.RestrictValues(bad); err == nil {
			t.Errorf("pool %v accepted", bad)
		}
	}
	if err := tb.RestrictValues(pool); err != nil {
		t.Fatal(err)
	}
	if got := tb.Pool(); !slices.Equal(got, pool) {
		t.Errorf("Pool() = %v", got)
	}
	var got []uint32
	for k := range uint32(3) {
		i, ok := tb.Insert(k, 0, 1)
		if !ok {
			t.Fatalf("insert %d refused", k)
		}
		got = append(got, tb.ValueOf(i))
	}
	slices.Sort(got)
	if !slices.Equal(got, []uint32{1002, 1005, 1007}) {
		t.Errorf("allocated %v, want the pool", got)
	}
	if _, ok := tb.Insert(99, 0, 1); ok || tb.Refusals() != 1 {
		t.Errorf("exhausted pool: ok %v, refusals %d", ok, tb.Refusals())
	}
	if err := tb.RestrictValues(pool); err == nil {
		t.Error("RestrictValues on a table with entries")
	}
	// Expired entries go back to the pool, and only to it.
	if n := tb.Expire(100); n != 3 {
		t.Fatalf("expired %d", n)
	}
	for k := range uint32(3) {
		i, ok := tb.Insert(10+k, 0, 200)
		if !ok || !slices.Contains(pool, tb.ValueOf(i)) {
			t.Fatalf("after expiry: index %d (value %d) %v", i, tb.ValueOf(i), ok)
		}
	}
	if _, ok := tb.Insert(20, 0, 200); ok {
		t.Error("allocated past the pool after expiry")
	}
	for i := range tb.Cap() {
		if tb.Valid(i) && !slices.Contains(pool, tb.ValueOf(i)) {
			t.Errorf("index %d valid outside the pool", i)
		}
	}
}
