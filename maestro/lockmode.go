package maestro

import (
	"sync/atomic"
	"unsafe"
)

// Lock-based parallel NFs.
//
// When RSS cannot keep packets that share state on one core, Maestro's
// generated NF keeps ONE copy of the state and gives every core a view of it
// (the View methods of the containers). Each packet first runs as a read
// pass under the core's read lock: reads work as usual, a refresh updates a
// timestamp private to the core, and the first write attempt records the
// abort and ends the pass at once by panicking with a value private to this
// package, so that the NF never sees a refused write's result (an index of
// -1 would be a value no sequential run can produce). The generated code
// recovers exactly that value, restores the packet and re-runs it under the
// write lock (every core's lock), where all operations act on the shared
// state. Steady traffic over known flows is thus read-only and scales; only
// packets that really change state serialise. The lock itself lives in
// package rwlock; LockGroup carries each core's pass state, the epoch count
// and the optional recorder.
//
// A parallel lock-based NF equals the sequential NF run on some
// serialisation of the packets: every write pass, in the order the write
// lock imposed, each followed by the read passes that ran before the next
// one (read passes commute: they change nothing but core-private stamps).
// The epoch counter and the recorder let a test rebuild that order.

// LockGroup holds the pass state of each core of one lock-based NF. Build it
// once, make views of every state container with it, then run each packet
// as the generated code does: StartRead (or StartReadFrame) under the
// core's read lock, Process, Recovered on a recovered panic, FinishRead, and
// if that asks for it, StartWrite under the write lock and Process again.
type LockGroup struct {
	cores []paddedCore
	// epoch counts write passes (StartWrite). It is written under the
	// write lock and read in read passes under a read lock, so the lock
	// orders every access. Padding keeps it off the cores' lines.
	_     [128]byte
	epoch uint64
	rec   Recorder
	_     [128]byte
}

// Recorder hears of every completed pass of a lock-based NF: core ran p in
// a read pass that saw epoch (write false), or in the write pass that
// started epoch (write true). An aborted read pass is not reported: its
// packet is placed by its write pass. It runs on the core's goroutine, a
// write pass's call under the write lock, so it must be quick and must not
// keep p.
type Recorder func(core int, p *Packet, epoch uint64, write bool)

// SavedHeaderMax bounds the header bytes StartRead saves. Setters rewrite
// only Ethernet, IPv4 and TCP/UDP headers, which end well before it (at most
// 18 + 60 + 60 bytes).
const SavedHeaderMax = 256

// undoMax bounds the private refreshes one read pass can undo. A pass
// that refreshes more entries turns into a write pass (see view.setStamp):
// packets refresh a handful of entries.
const undoMax = 16

// stampUndo is one private refresh to undo if the read pass aborts: the
// stamp's slot and its value before the pass changed it.
type stampUndo struct {
	slot *atomic.Int64
	old  int64
}

// lockCore is one core's pass state.
type lockCore struct {
	readOnly bool
	aborted  bool
	// slow says FinishRead has more to do than end the pass: the pass
	// aborted, or a recorder listens. One flag keeps FinishRead's common
	// path to one test.
	slow bool
	// streak counts the read passes in a row that aborted; skip, the
	// packets left to run write-first (see WriteFirst).
	streak, skip uint8
	nUndo        int // entries of undo in use
	undo         [undoMax]stampUndo
	whole        bool   // the saved bytes are the whole frame, in frame
	epoch        uint64 // epoch the current read pass saw
	n            int    // bytes in saved
	// data, inPort and time are the Packet's own fields as the pass found
	// them: the NF may assign them (p.Data = p.Data[:n]). The parsed
	// fields are not saved: an abort parses the restored frame again,
	// which keeps the read path's save small.
	data   []byte
	inPort Port
	time   int64
	frame  []byte // whole-frame save buffer, grown to the largest frame
	saved  [SavedHeaderMax]byte
}

// paddedCore rounds lockCore up to whole 128-byte blocks so that cores
// never share a cache line (adjacent-line prefetch pairs 64-byte lines).
type paddedCore struct {
	lockCore
	_ [128 - unsafe.Sizeof(lockCore{})%128]byte
}

// NewLockGroup returns a group for cores cores (at least 1).
func NewLockGroup(cores int) *LockGroup {
	return &LockGroup{cores: make([]paddedCore, max(cores, 1))}
}

// Cores returns the number of cores.
func (g *LockGroup) Cores() int { return len(g.cores) }

// SetRecorder installs r (nil removes it). Call it before any packet runs:
// the field is read without synchronisation on every packet.
func (g *LockGroup) SetRecorder(r Recorder) { g.rec = r }

// Epoch returns the number of write passes so far. Call it under a lock or
// while no packet runs.
func (g *LockGroup) Epoch() uint64 { return g.epoch }

// BeginRead starts a read pass on core without saving a packet: writes will
// abort it. It is for tests and hand-written lock code that save nothing.
func (g *LockGroup) BeginRead(core int) {
	c := &g.cores[core]
	c.readOnly, c.aborted, c.nUndo = true, false, 0
	c.slow = g.rec != nil
}

// BeginWrite starts a write pass on core without counting an epoch: the
// caller holds the write lock. Generated code uses StartWrite.
func (g *LockGroup) BeginWrite(core int) {
	c := &g.cores[core]
	c.readOnly, c.aborted = false, false
}

// Aborted reports whether core's current read pass attempted a write, in
// which case the packet must be restored and re-run with BeginWrite.
func (g *LockGroup) Aborted(core int) bool { return g.cores[core].aborted }

// StartRead saves p (its Data slice, InPort and Time, and its header
// bytes, up to its payload, at most SavedHeaderMax) and starts a read pass
// on core. It is enough for an NF that changes frame bytes only through
// the Packet setters. Generated lock-based NFs call it under the core's
// read lock, then Process, then FinishRead.
func (g *LockGroup) StartRead(core int, p *Packet) {
	c := &g.cores[core].lockCore
	c.data, c.inPort, c.time = p.Data, p.InPort, p.Time
	n := len(p.Data)
	if p.PayloadOff > 0 && p.PayloadOff < n {
		n = p.PayloadOff
	}
	c.n = copy(c.saved[:], p.Data[:n])
	c.whole = false
	c.epoch = g.epoch
	c.slow = g.rec != nil
	c.readOnly, c.aborted, c.nUndo = true, false, 0
}

// StartReadFrame is StartRead for an NF that may write any frame byte
// (p.Data[i] = x): it saves the whole frame, in a buffer of core's that
// grows to the largest frame seen and then no longer allocates.
func (g *LockGroup) StartReadFrame(core int, p *Packet) {
	c := &g.cores[core].lockCore
	c.data, c.inPort, c.time = p.Data, p.InPort, p.Time
	c.frame = append(c.frame[:0], p.Data...)
	c.whole = true
	c.epoch = g.epoch
	c.slow = g.rec != nil
	c.readOnly, c.aborted, c.nUndo = true, false, 0
}

// Recovered handles a value recovered from core's read pass: the abort of
// a refused write ends the pass normally (FinishRead then reports the
// rerun); any other value is the NF's own panic, and Recovered panics with
// it again. Generated code calls it in the read pass's deferred function,
// after releasing the read lock.
func (g *LockGroup) Recovered(r any) {
	if _, ok := r.(abortRead); !ok {
		panic(r)
	}
}

// writeStreak is how many read passes in a row must abort before a core
// runs packets write-first; writeFirstRun is how many it then runs so,
// doubled for each further aborted probe up to writeFirstMax.
const (
	writeStreak   = 2
	writeFirstRun = 8
	writeFirstMax = 64
)

// WriteFirst reports whether core should run its next packet as a write
// pass at once, without a read pass: after writeStreak read passes in a
// row aborted, the next writeFirstRun packets skip theirs, then a read
// pass probes again, and each probe that aborts doubles the run (up to
// writeFirstMax); a probe that completes ends it. An aborted read pass
// costs its panic and unwinding, several times a packet's work, and an NF
// that writes on most packets (a rate limiter) would pay it on nearly
// every one. Either way each packet runs in exactly one pass the locks
// serialise, so results are the same; only how often the read lock lets
// cores run together changes.
func (g *LockGroup) WriteFirst(core int) bool {
	c := &g.cores[core].lockCore
	if c.skip == 0 {
		return false
	}
	c.skip--
	return true
}

// FinishRead ends core's read pass of p. If the pass attempted a write it
// puts p back as StartRead found it (Data, InPort, Time and the saved
// bytes, then parses it again) and reports true: the caller must take the
// write lock, call StartWrite and run p again. Otherwise it reports the
// pass to the recorder, if any.
func (g *LockGroup) FinishRead(core int, p *Packet) (rerun bool) {
	c := &g.cores[core].lockCore
	if c.slow {
		return g.finishReadSlow(core, c, p)
	}
	c.readOnly, c.streak = false, 0
	return false
}

// finishReadSlow is FinishRead when the pass aborted or a recorder
// listens, out of line so that the common case inlines.
func (g *LockGroup) finishReadSlow(core int, c *lockCore, p *Packet) bool {
	if !c.aborted {
		c.readOnly, c.streak = false, 0
		g.rec(core, p, c.epoch, false)
		return false
	}
	if c.streak < 255 {
		c.streak++
	}
	if c.streak >= writeStreak {
		c.skip = uint8(min(writeFirstRun<<min(c.streak-writeStreak, 3), writeFirstMax))
	}
	if c.whole {
		copy(c.data, c.frame)
	} else {
		copy(c.data, c.saved[:c.n])
	}
	p.Reset(c.data, c.inPort, c.time)
	c.readOnly, c.aborted = false, false
	return true
}

// StartWrite starts core's write pass of p, which begins a new epoch, and
// reports it to the recorder. The caller holds the write lock.
func (g *LockGroup) StartWrite(core int, p *Packet) {
	c := &g.cores[core].lockCore
	c.readOnly, c.aborted = false, false
	g.epoch++
	if g.rec != nil {
		g.rec(core, p, g.epoch, true)
	}
}

// abortRead is the panic value that ends a read pass at its first write
// attempt. It is unexported so that only this package raises it and only
// LockGroup.Recovered recognises it.
type abortRead struct{}

// view is a container's link to its core in a LockGroup; nil for a plain
// (sequential or shared-nothing) container.
type view struct {
	core int
	c    *lockCore
}

// newView links a container view to core of g. A bad core number is a bug
// in the generated code, not bad input, so it panics.
func newView(g *LockGroup, core int) *view {
	if core < 0 || core >= len(g.cores) {
		panic("maestro: view for core out of range")
	}
	return &view{core: core, c: &g.cores[core].lockCore}
}

// denyWrite ends the read pass, if this is one, before a write: it records
// the abort and panics with abortRead. It returns only in a write pass or
// for a plain container.
func (v *view) denyWrite() {
	if v != nil && v.c.readOnly {
		v.abort()
	}
}

// abort is denyWrite's slow path, out of line so that denyWrite inlines.
// It undoes the pass's private refreshes, newest first, while the read
// lock still keeps every writer out: an aborted pass changes nothing,
// and the write pass that re-runs the packet may well not refresh the same
// entries.
//
//go:noinline
func (v *view) abort() {
	c := v.c
	for k := c.nUndo - 1; k >= 0; k-- {
		c.undo[k].slot.Store(c.undo[k].old)
	}
	c.nUndo = 0
	c.aborted, c.slow = true, true
	panic(abortRead{})
}

// setStamp stores now in slot, a stamp private to this view's core, in a
// read pass, logging its old value so that an abort can put it back. When
// the log is full the refresh is treated as a write attempt: the pass
// aborts and the write pass refreshes the shared stamps instead.
func (v *view) setStamp(slot *atomic.Int64, old, now int64) {
	c := v.c
	n := c.nUndo
	if n == len(c.undo) {
		v.abort()
	}
	c.undo[n] = stampUndo{slot: slot, old: old}
	c.nUndo = n + 1
	slot.Store(now)
}

// reading reports whether this is a read pass.
func (v *view) reading() bool { return v != nil && v.c.readOnly }
