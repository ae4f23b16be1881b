package maestro

import (
	"testing"
	"unsafe"
)

// TestPrefetchChangesNothing: Prefetch of present and absent keys leaves
// every lookup, the length and the expiry order as they were.
func TestPrefetchChangesNothing(t *testing.T) {
	tb := NewTable[FlowID, int](64, 100)
	m := NewMap[uint32, int](64)
	for i := range 40 {
		if _, ok := tb.Insert(MakeFlowID(uint32(i), 1, 2, 3, ProtoUDP), i, int64(i)); !ok {
			t.Fatal("insert refused")
		}
		m.Put(uint32(i), i)
	}
	// One at a time, none, and 80 at once (more than PrefetchBurst, so
	// PrefetchKeys splits them).
	var fids []FlowID
	var ips []uint32
	for i := range 80 {
		tb.Prefetch(MakeFlowID(uint32(i), 1, 2, 3, ProtoUDP))
		m.Prefetch(uint32(i))
		fids = append(fids, MakeFlowID(uint32(i), 1, 2, 3, ProtoUDP))
		ips = append(ips, uint32(i))
	}
	tb.PrefetchKeys(nil)
	m.PrefetchKeys(nil)
	tb.PrefetchKeys(fids)
	m.PrefetchKeys(ips)
	if tb.Len() != 40 || m.Len() != 40 {
		t.Fatalf("Len %d, %d after Prefetch", tb.Len(), m.Len())
	}
	for i := range 80 {
		v, ok := tb.Get(MakeFlowID(uint32(i), 1, 2, 3, ProtoUDP))
		w, ok2 := m.Get(uint32(i))
		if ok != (i < 40) || ok2 != (i < 40) || (ok && (v != i || w != i)) {
			t.Fatalf("key %d: %d %v, %d %v", i, v, ok, w, ok2)
		}
	}
	// Expiry still goes oldest first: at time 110, entries 0..10 are gone.
	if n := tb.Expire(110); n != 11 {
		t.Fatalf("Expire removed %d, want 11", n)
	}
}

// TestPrefetchEachNeverFaults: prefetchEach skips negative indexes and
// takes addresses no load could read (nil, far past any slice) without
// faulting: a prefetch is only a hint.
func TestPrefetchEachNeverFaults(t *testing.T) {
	prefetchEach(nil, 64, []int64{-1, 0, 1 << 30, -2})
	var b [4]uint64
	prefetchEach(unsafe.Pointer(&b[0]), 8, []int64{3, 2, 1, 0, 1 << 40})
	prefetchEach(unsafe.Pointer(&b[0]), 8, nil)
	if b != [4]uint64{} {
		t.Fatalf("prefetch changed memory: %v", b)
	}
}

// TestPrefetchKeysZeroSize: containers of zero-size keys or values take
// PrefetchKeys too (no element array to index).
func TestPrefetchKeysZeroSize(t *testing.T) {
	tb := NewTable[struct{}, struct{}](4, 10)
	if _, ok := tb.Insert(struct{}{}, struct{}{}, 1); !ok {
		t.Fatal("insert refused")
	}
	tb.PrefetchKeys(make([]struct{}, 40))
	m := NewMap[struct{}, int](4)
	m.Put(struct{}{}, 7)
	m.PrefetchKeys(make([]struct{}, 3))
	if v, ok := m.Get(struct{}{}); !ok || v != 7 || !tb.Has(struct{}{}) {
		t.Fatalf("after PrefetchKeys: map %d %v, table has %v", v, ok, tb.Has(struct{}{}))
	}
}
