package maestro

import "testing"

// TestWriteFirst: after writeStreak aborted read passes in a row, a core
// runs writeFirstRun packets write-first, doubling the run for each probe
// that aborts again (up to writeFirstMax); a read pass that completes ends
// it; each core keeps its own count.
func TestWriteFirst(t *testing.T) {
	g := NewLockGroup(2)
	tb := NewTable[uint32, int](8, 10).View(g, 0)
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 5)
	abort := func() {
		t.Helper()
		if !readPass(g, 0, &p, false, func() { tb.Insert(1, 1, 5) }) {
			t.Fatal("the read pass did not abort")
		}
	}
	complete := func() {
		t.Helper()
		if readPass(g, 0, &p, false, func() { tb.Find(1) }) {
			t.Fatal("a read-only pass aborted")
		}
	}
	// firsts counts WriteFirst's trues on core 0 until its first false.
	firsts := func() int {
		n := 0
		for g.WriteFirst(0) {
			n++
			if n > 1000 {
				t.Fatal("WriteFirst never ends")
			}
		}
		return n
	}
	for range writeStreak - 1 {
		abort()
		if n := firsts(); n != 0 {
			t.Fatalf("after fewer than %d aborts: %d write-first packets", writeStreak, n)
		}
	}
	want := writeFirstRun
	for range 6 {
		abort()
		if n := firsts(); n != want {
			t.Fatalf("write-first run of %d packets, want %d", n, want)
		}
		want = min(2*want, writeFirstMax)
	}
	if g.WriteFirst(1) {
		t.Error("core 1 runs write-first on core 0's aborts")
	}
	complete()
	abort()
	if n := firsts(); n != 0 {
		t.Errorf("a completed read pass did not reset the streak: %d write-first packets", n)
	}
}
