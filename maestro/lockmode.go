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

// SavedHeaderMax bounds the header bytes StartRead saves. Setters rewrite
// only Ethernet, IPv4 and TCP/UDP headers, which end well before it (at most
// 18 + 60 + 60 bytes).
const SavedHeaderMax = 256

// lockCore is one core's pass state, padded so that cores never share a
// cache line (128 bytes: adjacent-line prefetch pairs 64-byte lines).
type lockCore struct {
	readOnly bool
	aborted  bool
	n        int // bytes in saved
	saved    [SavedHeaderMax]byte
	_        [128 - 16]byte
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

// StartRead saves p's header bytes (up to its payload, at most
// SavedHeaderMax) and starts a read pass on core. Generated lock-based NFs
// call it under the core's read lock, then Process, then FinishRead.
func (g *LockGroup) StartRead(core int, p *Packet) {
	c := &g.cores[core]
	n := len(p.Data)
	if p.PayloadOff > 0 && p.PayloadOff < n {
		n = p.PayloadOff
	}
	c.n = copy(c.saved[:], p.Data[:n])
	c.readOnly, c.aborted = true, false
}

// FinishRead ends core's read pass of p. If the pass attempted a write it
// puts p's header bytes back, parses p again, starts a write pass and
// reports true: the caller must take the write lock and run p again.
func (g *LockGroup) FinishRead(core int, p *Packet) (rerun bool) {
	c := &g.cores[core]
	if !c.aborted {
		return false
	}
	copy(p.Data, c.saved[:c.n])
	p.Parse()
	c.readOnly, c.aborted = false, false
	return true
}

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
