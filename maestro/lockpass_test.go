package maestro

import (
	"bytes"
	"reflect"
	"testing"
)

// readPass runs body as core's read pass of p the way generated lock-based
// NFs do (save, run, recover the abort, finish) and reports whether the
// pass aborted. whole selects the whole-frame save.
func readPass(g *LockGroup, core int, p *Packet, whole bool, body func()) (aborted bool) {
	func() {
		defer func() {
			if r := recover(); r != nil {
				g.Recovered(r)
			}
		}()
		if whole {
			g.StartReadFrame(core, p)
		} else {
			g.StartRead(core, p)
		}
		body()
	}()
	return g.FinishRead(core, p)
}

// TestDeniedWriteEndsReadPass: a write attempted in a read pass must end
// the pass at once, so that NF code never sees the refusal (an index of
// -1, a false "full", a zero estimate), and must change nothing.
func TestDeniedWriteEndsReadPass(t *testing.T) {
	g := NewLockGroup(1)
	tb := NewTable[uint32, int](8, 10)
	ti, _ := tb.Insert(1, 1, 0)
	m := NewMap[int, int](4)
	m.Put(1, 1)
	vec := NewVector[int](4)
	al := NewAllocator(4, 10)
	ai, _ := al.Allocate(0)
	cm := NewCountMin[int](8, 2, 10)
	vt, vm, vv, va, vc := tb.View(g, 0), m.View(g, 0), vec.View(g, 0), al.View(g, 0), cm.View(g, 0)
	writes := []struct {
		name  string
		write func()
	}{
		{"Table.Insert", func() { vt.Insert(2, 2, 1) }},
		{"Table.Insert existing", func() { vt.Insert(1, 5, 1) }},
		{"Table.Set", func() { vt.Set(ti, 3) }},
		{"Table.Remove", func() { vt.Remove(1) }},
		{"Table.RemoveIndex", func() { vt.RemoveIndex(ti) }},
		{"Table.Expire due", func() { vt.Expire(100) }},
		{"Map.Put", func() { vm.Put(2, 2) }},
		{"Map.Delete", func() { vm.Delete(1) }},
		{"Vector.Set", func() { vv.Set(0, 1) }},
		{"Allocator.Allocate", func() { va.Allocate(0) }},
		{"Allocator.Free", func() { va.Free(ai) }},
		{"Allocator.Expire due", func() { va.Expire(100) }},
		{"Allocator.Reset", func() { va.Reset() }},
		{"CountMin.Add", func() { vc.Add(1, 1, 0) }},
	}
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 5)
	for _, w := range writes {
		after := false
		if !readPass(g, 0, &p, false, func() { w.write(); after = true }) {
			t.Errorf("%s: the read pass did not abort", w.name)
		}
		if after {
			t.Errorf("%s: NF code ran on after the refused write", w.name)
		}
	}
	if tb.Len() != 1 || tb.At(ti) != 1 || tb.Time(ti) != 0 || m.Len() != 1 || !m.Has(1) || vec.At(0) != 0 ||
		al.Len() != 1 || cm.Estimate(1, 0) != 0 {
		t.Fatal("a refused write changed state")
	}
	// Operations that change nothing in a sequential run are not writes.
	for name, op := range map[string]func(){
		"Table.Set free index":     func() { vt.Set(5, 1) },
		"Table.Remove absent":      func() { vt.Remove(9) },
		"Map.Delete absent":        func() { vm.Delete(9) },
		"Vector.Set out of range":  func() { vv.Set(9, 1) },
		"Allocator.Free free":      func() { va.Free(3) },
		"Table.Expire nothing due": func() { vt.Expire(5) },
		"CountMin.Expire":          func() { vc.Expire(100) },
		"Table.Refresh":            func() { vt.Refresh(ti, 4) },
	} {
		if readPass(g, 0, &p, false, op) {
			t.Errorf("%s aborted the read pass", name)
		}
	}
}

// TestOtherPanicsPassThrough: the generated code's recover must turn only
// the read-pass abort into "aborted" and let every other panic go on.
func TestOtherPanicsPassThrough(t *testing.T) {
	g := NewLockGroup(1)
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 5)
	defer func() {
		if r := recover(); r != "nf bug" {
			t.Fatalf("recovered %v, want the NF's own panic", r)
		}
	}()
	readPass(g, 0, &p, false, func() { panic("nf bug") })
	t.Fatal("an NF panic was swallowed")
}

// payloadFrame is a UDP frame with 64 bytes of payload.
func payloadFrame() []byte {
	f := udpFrame()
	f.Size = 14 + 20 + 8 + 64
	return AppendFrame(nil, f)
}

// TestAbortRestoresWholePacket: a read pass that writes payload bytes,
// shortens Data and changes InPort and Time, then attempts a write, must
// leave the packet exactly as it found it when its frame was saved whole;
// a header save still restores the Packet's own fields and the headers.
func TestAbortRestoresWholePacket(t *testing.T) {
	tb := NewTable[FlowID, int](4, 0)
	g := NewLockGroup(1)
	v := tb.View(g, 0)
	orig := payloadFrame()
	var p Packet
	p.Reset(append([]byte(nil), orig...), 0, 5)
	want := p
	mangle := func() {
		for i := p.PayloadOff; i < len(p.Data); i++ {
			p.Data[i] ^= 0xff
		}
		p.SetSrcPort(7)
		p.Data = p.Data[:p.PayloadOff+3]
		p.InPort, p.Time = 3, 99
		v.Insert(p.Flow(), 1, p.Time)
	}
	if !readPass(g, 0, &p, true, mangle) {
		t.Fatal("the pass did not abort")
	}
	got, exp := p, want
	got.Data, exp.Data = nil, nil
	if !bytes.Equal(p.Data, orig) || !reflect.DeepEqual(got, exp) {
		t.Fatalf("whole-frame save: packet not restored:\n got %+v\nwant %+v", p, want)
	}
	if p.SrcPort != want.SrcPort || p.PayloadOff != want.PayloadOff || p.Reason != want.Reason {
		t.Fatal("whole-frame save: parsed fields not restored")
	}

	// Header save: the payload is the NF's to leave alone, but the Packet's
	// fields and the header bytes come back.
	if !readPass(g, 0, &p, false, mangle) {
		t.Fatal("the pass did not abort")
	}
	if len(p.Data) != len(orig) || p.InPort != 0 || p.Time != 5 || p.SrcPort != want.SrcPort ||
		!bytes.Equal(p.Data[:p.PayloadOff], orig[:p.PayloadOff]) {
		t.Fatal("header save: Data, InPort, Time or headers not restored")
	}
}

// TestWholeFrameSaveDoesNotAllocate: once a core's buffer has grown to the
// frame size, saving a frame costs no allocation.
func TestWholeFrameSaveDoesNotAllocate(t *testing.T) {
	g := NewLockGroup(1)
	var p Packet
	p.Reset(payloadFrame(), 0, 5)
	g.StartReadFrame(0, &p) // grows the buffer
	g.FinishRead(0, &p)
	if n := testing.AllocsPerRun(100, func() {
		g.StartReadFrame(0, &p)
		g.FinishRead(0, &p)
	}); n != 0 {
		t.Fatalf("%v allocations per whole-frame read pass", n)
	}
}

// TestEpochsAndRecorder: every write pass starts a new epoch, read passes
// see the epoch they ran in, and the recorder hears of every completed
// pass (not of aborted read passes, whose packet is placed by its write
// pass).
func TestEpochsAndRecorder(t *testing.T) {
	g := NewLockGroup(2)
	tb := NewTable[uint32, int](4, 0)
	v := tb.View(g, 1)
	type rec struct {
		core  int
		p     *Packet
		epoch uint64
		write bool
	}
	var got []rec
	g.SetRecorder(func(core int, p *Packet, epoch uint64, write bool) { got = append(got, rec{core, p, epoch, write}) })
	var a, b Packet
	a.Reset(AppendFrame(nil, udpFrame()), 0, 5)
	b.Reset(AppendFrame(nil, udpFrame()), 1, 6)
	readPass(g, 0, &a, false, func() {})
	if readPass(g, 1, &b, false, func() { v.Insert(1, 1, 6) }) {
		g.StartWrite(1, &b)
		v.Insert(1, 1, 6)
	}
	readPass(g, 0, &a, false, func() {})
	want := []rec{{0, &a, 0, false}, {1, &b, 1, true}, {0, &a, 1, false}}
	if len(got) != len(want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if g.Epoch() != 1 || tb.Len() != 1 {
		t.Fatalf("epoch %d, len %d", g.Epoch(), tb.Len())
	}
}

// TestAbortUndoesPrivateRefreshes: a read pass that refreshes entries and
// then attempts a write changes nothing, its core-private stamps included.
// The packet re-runs in a write pass, which may take another path (state
// may have changed meanwhile) and not refresh those entries at all; a
// stamp left behind would be a refresh no serialisation of the packets
// contains.
func TestAbortUndoesPrivateRefreshes(t *testing.T) {
	tb := NewTable[uint32, int](8, 100)
	i, _ := tb.Insert(1, 1, 10)
	j, _ := tb.Insert(2, 2, 10)
	al := NewAllocator(4, 100)
	a, _ := al.Allocate(10)
	g := NewLockGroup(2)
	vt, va := tb.View(g, 1), al.View(g, 1)
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 50)
	// Core 1 has an older private stamp on i, which must survive.
	g.BeginRead(1)
	vt.Refresh(i, 30)
	if !readPass(g, 1, &p, false, func() {
		vt.Refresh(i, 50)
		vt.Refresh(j, 50)
		va.Refresh(a, 50)
		vt.Insert(3, 3, 50)
	}) {
		t.Fatal("the pass did not abort")
	}
	if tb.Time(i) != 30 || tb.Time(j) != 10 || al.Time(a) != 10 {
		t.Fatalf("after the aborted pass: times %d, %d, %d; want 30, 10, 10", tb.Time(i), tb.Time(j), al.Time(a))
	}
	// A pass that completes keeps its refreshes.
	if readPass(g, 1, &p, false, func() { vt.Refresh(j, 60) }) || tb.Time(j) != 60 {
		t.Fatalf("a completed pass lost its refresh: time %d", tb.Time(j))
	}
}

// TestManyRefreshesStillUndone: more refreshes in one read pass than the
// core's undo log holds turn the pass into a write pass (correct, if
// slower) instead of leaving stamps that cannot be undone.
func TestManyRefreshesStillUndone(t *testing.T) {
	tb := NewTable[int, int](256, 100)
	for k := range 200 {
		tb.Insert(k, k, 1)
	}
	g := NewLockGroup(1)
	v := tb.View(g, 0)
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 50)
	if !readPass(g, 0, &p, false, func() {
		for k := range 200 {
			v.Refresh(k, 50)
		}
	}) {
		t.Fatal("200 refreshes fit in the undo log: raise the test's count")
	}
	for k := range 200 {
		if tb.Time(k) != 1 {
			t.Fatalf("entry %d kept a stamp of the aborted pass", k)
		}
	}
}
