package maestro

import "testing"

func TestReadPassRefusesWritesAndAborts(t *testing.T) {
	base := NewTable[uint32, int](8, 100)
	base.Insert(1, 10, 0)
	g := NewLockGroup(2)
	v0, v1 := base.View(g, 0), base.View(g, 1)

	g.BeginRead(0)
	if i, ok := v0.Find(1); !ok || v0.At(i) != 10 {
		t.Fatal("read pass cannot read")
	}
	if g.Aborted(0) {
		t.Fatal("reads aborted the pass")
	}
	if !denied(g, 0, func() { v0.Insert(2, 20, 1) }) || base.Has(2) {
		t.Fatal("insert in a read pass changed state or did not abort")
	}
	g.BeginRead(1)
	if g.Aborted(1) {
		t.Fatal("abort leaked to another core")
	}
	g.BeginWrite(0)
	if _, ok := v0.Insert(2, 20, 1); !ok || !v1.Has(2) || g.Aborted(0) {
		t.Fatal("write pass insert not visible to the other view")
	}
}

// TestCoreLocalRefreshKeepsEntryAlive is the NFS.md rule: a refresh in a read
// pass touches only the core's own stamp, and expiry (a write) frees an entry
// only if it is stale on every core.
func TestCoreLocalRefreshKeepsEntryAlive(t *testing.T) {
	base := NewTable[uint32, int](8, 100)
	base.Insert(1, 10, 0)
	base.Insert(2, 20, 0)
	g := NewLockGroup(2)
	v0, v1 := base.View(g, 0), base.View(g, 1)

	g.BeginRead(1)
	i, _ := v1.Find(1)
	if !v1.Refresh(i, 90) || g.Aborted(1) {
		t.Fatal("refresh aborted a read pass")
	}
	g.BeginRead(0)
	if v0.Expire(50) != 0 || g.Aborted(0) {
		t.Fatal("nothing is stale at 50, yet expire aborted or freed")
	}
	if !denied(g, 0, func() { v0.Expire(120) }) || !base.Has(2) {
		t.Fatal("expire in a read pass must abort without freeing")
	}
	g.BeginWrite(0)
	if n := v0.Expire(120); n != 1 || base.Has(2) || !base.Has(1) {
		t.Fatalf("write-pass expire freed %d; key 1 (refreshed on core 1) must survive, key 2 must go", n)
	}
	g.BeginRead(0)
	if v0.Expire(150) != 0 || g.Aborted(0) {
		t.Fatal("after the write pass the chain must know key 1 is fresh until 190")
	}
	g.BeginWrite(0)
	if n := v0.Expire(190); n != 1 || base.Len() != 0 {
		t.Fatalf("key 1 must expire at 190, freed %d", n)
	}
	// A reused index must not inherit the old private stamp.
	g.BeginWrite(0)
	j, _ := v0.Insert(3, 30, 200)
	if j != i {
		t.Fatalf("index %d not reused (got %d): the free list is LIFO", i, j)
	}
	if v0.Expire(300) != 1 {
		t.Fatal("reused index kept a stale private stamp")
	}
}

func TestFinishReadRestoresPacket(t *testing.T) {
	g := NewLockGroup(1)
	tb := NewTable[FlowID, int](4, 0)
	v := tb.View(g, 0)
	var p Packet
	orig := AppendFrame(nil, udpFrame())
	p.Reset(append([]byte(nil), orig...), 0, 5)

	aborted := readPass(g, 0, &p, false, func() {
		p.SetSrcIP(0x01010101)
		p.SetSrcPort(7)
		v.Insert(p.Flow(), 1, p.Time) // refused: aborts
	})
	if !aborted {
		t.Fatal("aborted pass not reported")
	}
	if string(p.Data) != string(orig) || p.SrcIP != 0x0a000001 || p.SrcPort != 1234 || p.Time != 5 {
		t.Fatal("packet not restored and re-parsed")
	}
	if _, ok := v.Insert(p.Flow(), 1, p.Time); !ok || g.Aborted(0) {
		t.Fatal("FinishRead did not start a write pass")
	}
	g.StartRead(0, &p)
	if v.Has(p.Flow()) != true || g.FinishRead(0, &p) {
		t.Fatal("a read-only pass asked for a rerun")
	}
}

// FuzzTableTimesAndViews drives a Table through two lock-mode views with
// times that may go backwards and refreshes that are core-private, and
// checks it against a model where an entry's time is simply the newest time
// anyone refreshed it with: expiry must stay exact whatever the order.
func FuzzTableTimesAndViews(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 2, 3, 3, 4, 200, 5, 17, 9, 4, 4, 4, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const timeout = 40
		base := NewTable[uint8, int](16, timeout)
		g := NewLockGroup(2)
		views := [2]*Table[uint8, int]{base.View(g, 0), base.View(g, 1)}
		last := map[uint8]int64{}
		now := int64(100)
		for j := 0; j+2 < len(ops); j += 3 {
			op, k, dt := ops[j]%5, ops[j+1]%24, int64(ops[j+2]%32)-12 // time moves -12..+19
			now = max(now+dt, 0)
			core := int(ops[j] >> 7)
			v := views[core]
			switch op {
			case 0: // insert in a write pass
				g.BeginWrite(core)
				_, present := last[k]
				if _, ok := v.Insert(k, 1, now); ok {
					if present {
						last[k] = max(last[k], now)
					} else {
						last[k] = now
					}
				} else if present || len(last) < 16 {
					t.Fatalf("insert %d refused with %d entries", k, len(last))
				}
			case 1, 2: // refresh in a read pass (core-private) or a write pass
				if op == 1 {
					g.BeginRead(core)
				} else {
					g.BeginWrite(core)
				}
				if i, ok := v.Find(k); ok {
					v.Refresh(i, now)
					last[k] = max(last[k], now)
				}
				if g.Aborted(core) {
					t.Fatal("refresh aborted a read pass")
				}
			case 3: // expire: a read pass that aborts if anything is due, then a write pass
				g.BeginRead(core)
				if denied(g, core, func() { v.Expire(now) }) != (base.Len() > 0 && now-minTime(base) >= timeout) {
					t.Fatal("read-pass expire aborted with nothing due, or expired entries")
				}
				g.BeginWrite(core)
				n := v.Expire(now)
				want := 0
				for key, tm := range last {
					if now-tm >= timeout {
						delete(last, key)
						want++
					}
				}
				if n != want {
					t.Fatalf("expire at %d freed %d, want %d", now, n, want)
				}
			case 4: // remove
				g.BeginWrite(core)
				_, present := last[k]
				if v.Remove(k) != present {
					t.Fatalf("remove %d", k)
				}
				delete(last, k)
			}
			if base.Len() != len(last) {
				t.Fatalf("len %d, want %d", base.Len(), len(last))
			}
		}
	})
}

// BenchmarkAbortedReadPass measures one packet whose read pass attempts a
// write: save the packet, run until the refused Insert, restore and parse
// it again (the write pass itself is not included).
func BenchmarkAbortedReadPass(b *testing.B) {
	g := NewLockGroup(1)
	v := NewTable[FlowID, int](4, 0).View(g, 0)
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 5)
	b.ReportAllocs()
	for b.Loop() {
		if !benchReadPass(g, v, &p) {
			b.Fatal("the read pass did not abort")
		}
	}
}

// benchReadPass runs the read pass of an NF that rewrites the source port
// and then inserts its flow, the way generated code runs it, and reports
// whether it aborted.
func benchReadPass(g *LockGroup, v *Table[FlowID, int], p *Packet) bool {
	return readPass(g, 0, p, false, func() {
		p.SetSrcPort(7)
		v.Insert(p.Flow(), 1, p.Time)
	})
}

// TestTimeNeedsTheWriteLock: a refresh in a read pass is private to its
// core, so a read pass that read an entry's time could see another core's
// concurrent refresh, and two such passes could each see the other's: no
// sequential run orders them. Time therefore ends a read pass (the packet
// re-runs under the write lock), and in a write pass it is the newest
// refresh of all cores, which every earlier read pass precedes.
func TestTimeNeedsTheWriteLock(t *testing.T) {
	base := NewTable[uint32, int](8, 100)
	i, _ := base.Insert(1, 10, 0)
	al := NewAllocator(4, 100)
	j, _ := al.Allocate(0)
	g := NewLockGroup(3)
	v0, v1, v2 := base.View(g, 0), base.View(g, 1), base.View(g, 2)
	a0, a1 := al.View(g, 0), al.View(g, 1)

	g.BeginRead(1)
	v1.Refresh(i, 70)
	a1.Refresh(j, 70)
	g.BeginRead(2)
	v2.Refresh(i, 50) // older than core 1's: must not hide it
	g.BeginRead(0)
	if !denied(g, 0, func() { v0.Time(i) }) {
		t.Error("read pass on core 0: Table.Time did not end the pass")
	}
	g.BeginRead(0)
	if !denied(g, 0, func() { a0.Time(j) }) {
		t.Error("read pass on core 0: Allocator.Time did not end the pass")
	}
	g.BeginWrite(0)
	if got := v0.Time(i); got != 70 {
		t.Errorf("write pass: Table.Time = %d, want 70 (core 1's refresh)", got)
	}
	if got := a0.Time(j); got != 70 {
		t.Errorf("write pass: Allocator.Time = %d, want 70", got)
	}
	if got := base.Time(i); got != 70 {
		t.Errorf("shared table: Time = %d, want 70", got)
	}
	v0.Refresh(i, 80) // a write-pass refresh moves the shared stamp
	g.BeginWrite(2)
	if got := v2.Time(i); got != 80 {
		t.Errorf("after a write-pass refresh: Time = %d, want 80", got)
	}
}

// TestConcurrentRefreshAndTime runs read passes on two cores at once, one
// refreshing, one asking for times (which ends each of its passes), as a
// lock-based NF does under its read locks; run with -race, it checks that
// the stamps are accessed atomically. The write pass then sees the newest.
func TestConcurrentRefreshAndTime(t *testing.T) {
	base := NewTable[uint32, int](64, 1000)
	for k := range uint32(64) {
		base.Insert(k, int(k), 0)
	}
	g := NewLockGroup(2)
	views := [2]*Table[uint32, int]{base.View(g, 0), base.View(g, 1)}
	done := make(chan bool, 2)
	for c := range 2 {
		go func() {
			v := views[c]
			ok := true
			for n := range int64(2000) {
				g.BeginRead(c) // one packet's read pass
				i := int(n % 64)
				if c == 0 {
					v.Refresh(i, n+1)
				} else if !denied(g, c, func() { v.Time(i) }) {
					ok = false
				}
			}
			done <- ok
		}()
	}
	if first, second := <-done, <-done; !first || !second {
		t.Error("a read pass asked for a time and went on")
	}
	g.BeginWrite(0)
	for i := range 64 {
		if got := views[0].Time(i); got < 1937 {
			t.Fatalf("entry %d: Time %d after core 0 refreshed it at %d or later", i, got, 1937)
		}
	}
}

// denied runs f in core's read pass, already begun, and reports whether a
// refused write ended it.
func denied(g *LockGroup, core int, f func()) (aborted bool) {
	defer func() {
		if r := recover(); r != nil {
			g.Recovered(r)
			aborted = g.Aborted(core)
		}
	}()
	f()
	return g.Aborted(core)
}

// minTime returns the oldest shared stamp of t's entries (read passes
// abort on it: private stamps are consulted only by the write pass).
func minTime[K comparable, V any](t *Table[K, V]) int64 {
	i, _ := t.s.chain.oldest()
	return t.s.chain.cells[i].time
}

// TestExpiryOrderMatchesSequential: entries expire (and return to the free
// list, whose order decides the next indexes handed out) in the order of
// their newest stamp, private ones included, with ties broken by index:
// exactly the order a sequential allocator given the same refreshes frees
// them in. A NAT's external ports depend on it.
func TestExpiryOrderMatchesSequential(t *testing.T) {
	const timeout = 100
	seq := NewAllocator(8, timeout)
	par := NewAllocator(8, timeout)
	g := NewLockGroup(2)
	w, r := par.View(g, 0), par.View(g, 1)
	g.BeginWrite(0)
	for _, tm := range []int64{10, 20, 20, 30} { // indexes 0..3
		seq.Allocate(tm)
		w.Allocate(tm)
	}
	// Index 0 refreshed privately at 50, index 3 at 20 (a tie with 1 and 2)
	// by core 1's read passes; the sequential allocator sees the same.
	g.BeginRead(1)
	r.Refresh(0, 50)
	r.Refresh(3, 20)
	seq.Refresh(0, 50)
	seq.Refresh(3, 20)
	g.BeginWrite(0)
	if a, b := seq.Expire(200), w.Expire(200); a != 4 || b != 4 {
		t.Fatalf("expired %d sequentially, %d in the write pass; want 4", a, b)
	}
	for range 4 {
		i, _ := seq.Allocate(300)
		j, _ := w.Allocate(300)
		if i != j {
			t.Fatalf("after expiry the sequential allocator hands out %d, the lock-based one %d", i, j)
		}
	}
}
