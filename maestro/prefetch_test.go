package maestro

import "testing"

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
	for i := range 80 {
		tb.Prefetch(MakeFlowID(uint32(i), 1, 2, 3, ProtoUDP))
		m.Prefetch(uint32(i))
	}
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
