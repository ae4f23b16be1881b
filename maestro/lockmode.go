package maestro

// Lock-based parallel NFs.
//
// When RSS cannot keep packets that share state on one core, Maestro's
// generated NF keeps ONE copy of the state and gives every core a view of it
// (the View methods of the containers). Each packet first runs as a read
// pass under the core's read lock: reads work as usual, a refresh updates a
// timestamp private to the core, and the first write attempt marks the pass
// aborted and changes nothing. The generated code then restores the packet's
// bytes and re-runs it under the write lock (every core's lock), where all
// operations act on the shared state. Steady traffic over known flows is
// thus read-only and scales; only packets that really change state
// serialise. The lock itself lives in package rwlock; LockGroup only carries
// each core's pass mode.

// LockGroup holds the pass mode of each core of one lock-based NF. Build it
// once, make views of every state container with it, then bracket each
// Process call with BeginRead or BeginWrite and check Aborted.
type LockGroup struct {
	cores []lockCore
}

// lockCore is padded to 128 bytes so that cores never share a cache line
// (adjacent-line prefetch pairs 64-byte lines).
type lockCore struct {
	readOnly bool
	aborted  bool
	_        [126]byte
}

// NewLockGroup returns a group for cores cores (at least 1).
func NewLockGroup(cores int) *LockGroup {
	return &LockGroup{cores: make([]lockCore, max(cores, 1))}
}

// Cores returns the number of cores.
func (g *LockGroup) Cores() int { return len(g.cores) }

// BeginRead starts a read pass on core: writes will abort it.
func (g *LockGroup) BeginRead(core int) {
	c := &g.cores[core]
	c.readOnly, c.aborted = true, false
}

// BeginWrite starts a write pass on core: the caller holds the write lock.
func (g *LockGroup) BeginWrite(core int) {
	c := &g.cores[core]
	c.readOnly, c.aborted = false, false
}

// Aborted reports whether core's current read pass attempted a write, in
// which case the packet must be restored and re-run with BeginWrite.
func (g *LockGroup) Aborted(core int) bool { return g.cores[core].aborted }

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
	return &view{core: core, c: &g.cores[core]}
}

// denyWrite reports whether a write must be refused because this is a read
// pass, and records the abort.
func (v *view) denyWrite() bool {
	if v != nil && v.c.readOnly {
		v.c.aborted = true
		return true
	}
	return false
}

// reading reports whether this is a read pass.
func (v *view) reading() bool { return v != nil && v.c.readOnly }
