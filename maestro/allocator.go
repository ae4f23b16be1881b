package maestro

import (
	"fmt"
	"math"
	"slices"
	"sync/atomic"
)

// Allocator hands out indexes 0..Cap()-1 and expires them by age: libVig's
// double chain (dchain). Allocated indexes sit on a doubly linked list in
// order of their last refresh, oldest first, so Refresh is O(1) and Expire
// costs time proportional to what it frees. Free indexes sit on a singly
// linked free list. Times are nanoseconds (Packet.Time); an entry expires
// when its last refresh is at least the timeout old. A timeout <= 0 means
// entries never expire.
//
// NFs use an Allocator to number things. Table embeds the same machinery.
//
// RSS-aware allocation. When return traffic is keyed by an allocated value
// (a NAT's external port), a parallel NF can allocate on each core only
// values whose return packets the NIC delivers to that core; the forward
// direction may then hash its whole tuple. Two forms:
//
//   - In an NF that Maestro analyses, use a value table
//     (NewValueTable: index i stands for value base+i, converted by
//     Table.IndexOf and Table.ValueOf) and look the reply's entry up by
//     t.IndexOf of the packet field that carries the value. The analysis
//     (analyzers/stateaccess, fact 7) proves that this index is the whole
//     field's value, of this very table, and records a pool in the plan;
//     the generated code restricts each core's table to its values
//     (Table.RestrictValues, from rss.Config.ValuePools of the
//     configuration it programs, equal-sized per core) and reports each
//     core's exhaustion (PoolRefusals). Indexes keep their meaning on every
//     core, so the parallel NF differs from the sequential one only in
//     which free value an insert takes, and in capacity.
//   - In code written for one core directly, ValueAllocator hands out the
//     values of a pool given to it (index i stands for its pool's i-th
//     value, a core-local numbering the analysis does not model).
//
// IsAllocated and Time are reads, Refresh is a refresh, Allocate, Free and
// Expire are writes.
type Allocator struct {
	d *chain
	v *view
}

// chain is the double chain shared by an Allocator or Table and its views.
//
// Allocated entries are ordered by time so that the oldest is found at once.
// Times normally arrive in order (a packet's time is the newest), so an
// entry stamped now goes to the tail of a doubly linked list, in O(1). An
// entry stamped with an older time than the list's tail (a lock-based NF's
// write pass giving an entry the newest of the cores' private stamps, or
// cores whose clocks differ slightly) goes instead into a binary min-heap,
// in O(log n). "Older" compares times, then indexes (see older). The
// oldest entry is the older of the list's head and the heap's top, so
// expiry stays exact whatever order times come in, and no insertion ever
// walks the list.
//
// Each index has one 16-byte cell holding its links and its time, so that
// refreshing an entry (unlink, relink at the tail) touches three cache lines
// (its own and its neighbours') rather than one per array.
type chain struct {
	// cells[cap] is the sentinel of the list: its next is the oldest list
	// entry, its prev the newest. A free cell has prev == freeCell and its
	// next links the free list; a cell in the heap has prev == inHeap and
	// its next is its position in heap.
	cells   []cell
	heap    []int32 // min-heap by time; capacity preallocated
	free    int32   // head of the free list, -1 when full
	n       int
	timeout int64
	// refused counts allocations refused because every index was taken
	// (written by whoever may write: one core, or the write pass).
	refused uint64
	// due is a time before which nothing can have expired: the oldest
	// time plus the timeout as last computed, lowered whenever an older
	// time is placed. Refreshes and frees only make it conservative. It
	// lets Expire, called on every packet, return after one comparison.
	// It is atomic because the read passes of a lock-based NF, which run
	// concurrently under their read locks, all refresh it (with the same
	// value, computed from state no writer can change meanwhile).
	due atomic.Int64
	// local[c][i] is the time core c last refreshed entry i during a read
	// pass of a lock-based NF (nil otherwise). Each core writes only its own
	// slice, under its read lock, but every core's read of an entry's time
	// (Time) loads all of them, concurrently with those writes: hence
	// atomics. The writer, under the write lock, is ordered by the lock.
	// A read pass that aborts puts its core's stamps back (view.setStamp).
	local [][]atomic.Int64
	// pool, when not nil, lists the only indexes that may ever be
	// allocated, in free-list order (restrictFree, pooled.go); reset
	// keeps to it.
	pool []int32
}

type cell struct {
	next, prev int32
	time       int64
}

// Markers in cell.prev.
const (
	freeCell = -1 // the index is free
	inHeap   = -2 // the index is allocated and in the heap
)

// NewAllocator returns an allocator of capacity indexes (rounded up to a power
// of two, at least 1, at most 2^30) whose entries expire after timeout
// nanoseconds without refresh.
func NewAllocator(capacity int, timeout int64) *Allocator {
	return &Allocator{d: newChain(scaleCapacity(capacity), timeout)}
}

func newChain(capacity int, timeout int64) *chain {
	c := &chain{cells: make([]cell, capacity+1), heap: make([]int32, 0, capacity), timeout: timeout}
	c.reset()
	return c
}

// capacity returns the number of indexes (the sentinel excluded).
func (c *chain) capacity() int { return len(c.cells) - 1 }

func (c *chain) reset() {
	n := int32(c.capacity())
	for i := range n {
		c.cells[i] = cell{next: i + 1, prev: freeCell}
	}
	c.cells[n-1].next = -1
	c.free = 0
	if c.pool != nil {
		c.linkPool()
	}
	c.cells[n] = cell{next: n, prev: n}
	c.heap = c.heap[:0]
	c.n = 0
	c.due.Store(math.MaxInt64)
	for _, l := range c.local {
		for i := range l {
			l[i].Store(0)
		}
	}
}

// View returns core's view of a for a lock-based NF (see LockGroup).
func (a *Allocator) View(g *LockGroup, core int) *Allocator {
	a.d.withLocal(len(g.cores))
	return &Allocator{d: a.d, v: newView(g, core)}
}

func (c *chain) withLocal(cores int) {
	for len(c.local) < cores {
		c.local = append(c.local, make([]atomic.Int64, c.capacity()))
	}
}

// Cap returns the number of indexes: in a shared-nothing NF built by
// NewParallel, the core's share (BuildPerCore).
func (a *Allocator) Cap() int { return a.d.capacity() }

// Len returns the number of allocated indexes.
func (a *Allocator) Len() int { return a.d.n }

// Timeout returns the expiry timeout in nanoseconds.
func (a *Allocator) Timeout() int64 { return a.d.timeout }

// Reset frees every index. It is a write.
func (a *Allocator) Reset() {
	a.v.denyWrite()
	a.d.reset()
}

// Allocate takes a free index, stamped with time now. It reports false when
// every index is allocated.
func (a *Allocator) Allocate(now int64) (int, bool) {
	a.v.denyWrite()
	return a.d.allocate(now)
}

func (c *chain) allocate(now int64) (int, bool) {
	i := c.free
	if i < 0 {
		c.refused++
		return -1, false
	}
	c.free = c.cells[i].next
	c.cells[i].time = now
	c.place(i)
	c.n++
	return int(i), true
}

// Refusals returns how many times Allocate found every index taken. A
// parallel NF whose containers refuse where the sequential NF's do not
// differs from it for capacity reasons (see BuildPerCore); tests use the
// count to say so. Read it while no packet runs.
func (a *Allocator) Refusals() uint64 { return a.d.refused }

// IsAllocated reports whether i is an allocated index (false when out of
// range).
func (a *Allocator) IsAllocated(i int) bool { return a.d.isAllocated(i) }

func (c *chain) isAllocated(i int) bool {
	return uint(i) < uint(c.capacity()) && c.cells[i].prev != freeCell
}

// Time returns the last refresh time of allocated index i (0 otherwise). In
// a lock-based NF it needs the write lock, as Table.Time does: a read pass
// that calls it re-runs under the write lock, where Time is the newest
// refresh made on any core, as a sequential NF would see every earlier
// refresh.
func (a *Allocator) Time(i int) int64 {
	a.v.denyWrite()
	return a.d.timeOf(i)
}

// timeOf returns i's newest stamp: the shared one, or a newer one some core
// made privately in a read pass.
func (c *chain) timeOf(i int) int64 {
	if !c.isAllocated(i) {
		return 0
	}
	t := c.cells[i].time
	for _, l := range c.local {
		t = max(t, l[i].Load())
	}
	return t
}

// Refresh stamps allocated index i with time now so that it does not expire.
// It reports false when i is not allocated.
func (a *Allocator) Refresh(i int, now int64) bool { return a.d.refresh(i, now, a.v) }

func (c *chain) refresh(i int, now int64, v *view) bool {
	// cells is a local so that the stores below do not make the compiler
	// reload c.cells after each (they could alias c for all it knows); it
	// also serves the allocation check (isAllocated, spelled out so that
	// i is bounds-checked once).
	cells := c.cells
	if uint(i) >= uint(len(cells)-1) || cells[i].prev == freeCell {
		return false
	}
	if v.reading() {
		// Core-private: keeps steady traffic on known entries read-only.
		// Expire consults every core's stamp before freeing anything.
		// Only this core stores to its slot, so load-compare-store
		// cannot lose a newer stamp.
		l := &c.local[v.core][i]
		if old := l.Load(); now > old {
			v.setStamp(l, old, now)
		}
		return true
	}
	ci := &cells[i]
	if now <= ci.time {
		return true
	}
	s := len(cells) - 1
	last := cells[s].prev
	if last == int32(i) {
		ci.time = now // already the newest: stays the tail
		return true
	}
	// The common case, inlined: i is on the list and its new stamp is not
	// older than the tail's, so it moves to the tail (what detach and
	// place do, without their general cases). The heap, and a stamp older
	// than the tail's, take the general path.
	if p, lt := ci.prev, cells[last].time; p == inHeap || now < lt || now == lt && int32(i) < last {
		c.detach(int32(i))
		ci.time = now
		c.place(int32(i))
		return true
	}
	// No lowerDue(now), which place does: due is never later than the
	// expiry of any entry's stamp, i's older one included, so a later
	// stamp cannot lower it (and leaving the list's head only makes due
	// conservative, which it may be).
	unlink(cells, ci)
	ci.time = now
	linkTail(cells, int32(i), ci, last)
	return true
}

// Free returns allocated index i to the free list. It reports false when i
// is not allocated.
func (a *Allocator) Free(i int) bool {
	if !a.d.isAllocated(i) {
		return false
	}
	a.v.denyWrite()
	a.d.release(int32(i))
	return true
}

// Expire frees every index whose last refresh is at least the timeout older
// than now, oldest first, and returns how many it freed.
func (a *Allocator) Expire(now int64) int {
	n := 0
	for {
		i, ok := a.d.nextExpired(now, a.v)
		if !ok {
			return n
		}
		a.d.release(i)
		n++
	}
}

// nextExpired returns the oldest index that has expired at time now, or
// false when none has. In a read pass, finding a candidate ends the pass
// (expiring is a write: see LockGroup). In a write pass of a lock-based NF,
// a candidate that some core refreshed privately first takes the newest of
// its stamps and is placed again in order, so entries are freed oldest
// first by their newest stamps, as in a sequential run.
func (c *chain) nextExpired(now int64, v *view) (int32, bool) {
	if now < c.due.Load() {
		return -1, false
	}
	return c.nextExpiredSlow(now, v)
}

// expiry returns when an entry stamped t expires (saturating; never when
// the chain has no timeout).
func (c *chain) expiry(t int64) int64 {
	if c.timeout <= 0 || t > math.MaxInt64-c.timeout {
		return math.MaxInt64
	}
	return t + c.timeout
}

func (c *chain) nextExpiredSlow(now int64, v *view) (int32, bool) {
	for {
		i, ok := c.oldest()
		if !ok {
			c.due.Store(math.MaxInt64)
			return -1, false
		}
		t := c.cells[i].time
		if c.timeout <= 0 || now-t < c.timeout {
			c.due.Store(c.expiry(t))
			return -1, false
		}
		v.denyWrite()
		newest := t
		for _, l := range c.local {
			newest = max(newest, l[i].Load())
		}
		if newest == t {
			return i, true
		}
		// A core refreshed i privately: give it its newest stamp and
		// look again. Even if it has expired anyway, it must not be freed
		// before older entries: the order of frees is the order of the
		// free list, hence of the indexes handed out next, and must be
		// the sequential one (by newest stamp, then index). Once its
		// private stamps are folded in, the oldest entry by shared stamp
		// is the oldest by newest stamp, since no stamp is older than the
		// shared one.
		c.detach(i)
		c.cells[i].time = newest
		c.place(i)
	}
}

// older orders allocated indexes by time, then by index. Breaking ties by
// index, rather than by the order entries were stamped, makes the order
// (hence which entry expires first, hence the free list) independent of
// when a lock-based NF folds the cores' private stamps in.
func (c *chain) older(i, j int32) bool {
	ti, tj := c.cells[i].time, c.cells[j].time
	return ti < tj || ti == tj && i < j
}

// oldest returns the allocated index with the oldest time (the lowest
// index among equals).
func (c *chain) oldest() (int32, bool) {
	s := int32(c.capacity())
	i := c.cells[s].next
	if len(c.heap) > 0 && (i == s || c.older(c.heap[0], i)) {
		return c.heap[0], true
	}
	return i, i != s
}

func (c *chain) release(i int32) {
	c.detach(i)
	c.cells[i] = cell{next: c.free, prev: freeCell}
	c.free = i
	c.n--
	// A reused index must not inherit private stamps of its previous life.
	for _, l := range c.local {
		l[i].Store(0)
	}
}

// place puts allocated index i, whose time is set, in time order: at the
// tail of the list when it is not older than the tail, else in the heap.
func (c *chain) place(i int32) {
	// Only write passes place entries: no read pass races this update.
	c.lowerDue(c.cells[i].time)
	s := int32(c.capacity())
	last := c.cells[s].prev
	if last != s && c.older(i, last) {
		c.heapPush(i)
		return
	}
	linkTail(c.cells, i, &c.cells[i], last)
}

// lowerDue makes due no later than when an entry stamped t expires.
func (c *chain) lowerDue(t int64) {
	if e := c.expiry(t); e < c.due.Load() {
		c.due.Store(e)
	}
}

// linkTail appends index i, whose cell is ci, to the list, whose tail is
// last. The callers hold the chain's cells, i's cell and the tail already:
// passing them spares reloading the slice and checking i's index again.
func linkTail(cells []cell, i int32, ci *cell, last int32) {
	s := int32(len(cells) - 1)
	cells[last].next = i
	ci.prev, ci.next = last, s
	cells[s].prev = i
}

// unlink takes the cell ci, which is on the list, off it.
func unlink(cells []cell, ci *cell) {
	p, n := ci.prev, ci.next
	cells[p].next = n
	cells[n].prev = p
}

// detach takes allocated index i out of the list or the heap.
func (c *chain) detach(i int32) {
	if c.cells[i].prev == inHeap {
		c.heapRemove(i)
		return
	}
	unlink(c.cells, &c.cells[i])
}

// The heap keeps each member's position in its cell's next field.

func (c *chain) heapSet(k int, i int32) {
	c.heap[k] = i
	c.cells[i].next = int32(k)
}

func (c *chain) heapLess(k, j int) bool { return c.older(c.heap[k], c.heap[j]) }

func (c *chain) heapSwap(k, j int) {
	a, b := c.heap[k], c.heap[j]
	c.heapSet(k, b)
	c.heapSet(j, a)
}

func (c *chain) heapPush(i int32) {
	c.cells[i].prev = inHeap
	c.heap = append(c.heap, i) // within the preallocated capacity
	k := len(c.heap) - 1
	c.heapSet(k, i)
	c.heapUp(k)
}

func (c *chain) heapRemove(i int32) {
	k, last := int(c.cells[i].next), len(c.heap)-1
	if k != last {
		c.heapSet(k, c.heap[last])
	}
	c.heap = c.heap[:last]
	if k < last && !c.heapDown(k) {
		c.heapUp(k)
	}
}

func (c *chain) heapUp(k int) {
	for k > 0 {
		p := (k - 1) / 2
		if !c.heapLess(k, p) {
			return
		}
		c.heapSwap(k, p)
		k = p
	}
}

// heapDown sifts position k down and reports whether it moved.
func (c *chain) heapDown(k int) bool {
	moved := false
	for {
		m := 2*k + 1
		if m >= len(c.heap) {
			return moved
		}
		if r := m + 1; r < len(c.heap) && c.heapLess(r, m) {
			m = r
		}
		if !c.heapLess(m, k) {
			return moved
		}
		c.heapSwap(k, m)
		k, moved = m, true
	}
}

// ValueAllocator is an Allocator whose indexes stand for values from a
// fixed pool: index i is Value(i). Its use is RSS-aware allocation in
// hand-written per-core code (see Allocator; NFs that Maestro parallelizes
// use a value table instead): each core gets the pool of values whose
// return traffic the NIC delivers to that core (rss.Config.ValuePools,
// computed from the key the NIC is programmed with), so a value allocated
// on a core keys state that the replies find there, while the forward
// direction hashes its whole tuple. A core's exhaustion shows in its own
// Refusals (PoolRefusals).
type ValueAllocator struct {
	Allocator
	values []uint32
	index  map[uint32]int32
}

// NewValueAllocator returns an allocator handing out the values of pool
// (distinct, a power of two of them, at most 2^30), expiring them after
// timeout nanoseconds without refresh. The pool is copied. Unlike
// NewAllocator its capacity is exactly len(pool), whatever the build's
// per-core division: the pools are already per core.
func NewValueAllocator(pool []uint32, timeout int64) (*ValueAllocator, error) {
	n := len(pool)
	if n == 0 || n&(n-1) != 0 || n > maxCapacity {
		return nil, fmt.Errorf("maestro: value pool of %d values: want a power of two from 1 to %d", n, maxCapacity)
	}
	a := &ValueAllocator{values: slices.Clone(pool), index: make(map[uint32]int32, n)}
	for i, v := range pool {
		if _, dup := a.index[v]; dup {
			return nil, fmt.Errorf("maestro: value %d twice in the pool", v)
		}
		a.index[v] = int32(i)
	}
	a.d = newChain(n, timeout)
	return a, nil
}

// Value returns the value index i stands for (i in 0..Cap()-1).
func (a *ValueAllocator) Value(i int) uint32 { return a.values[i] }

// Index returns the index of value v, and false if v is not in the pool
// (replies to a value another core owns never reach this one).
func (a *ValueAllocator) Index(v uint32) (int, bool) {
	i, ok := a.index[v]
	return int(i), ok
}

// AllocateValue takes a free value, stamped with time now, and returns it
// with its index; false when the pool is exhausted (counted in Refusals).
func (a *ValueAllocator) AllocateValue(now int64) (v uint32, i int, ok bool) {
	if i, ok = a.Allocate(now); !ok {
		return 0, -1, false
	}
	return a.values[i], i, true
}

// PoolRefusals returns each core's Refusals: per-core pool exhaustion of
// RSS-aware allocators, one per core.
func PoolRefusals(pools []*ValueAllocator) []uint64 {
	out := make([]uint64, len(pools))
	for c, a := range pools {
		out[c] = a.Refusals()
	}
	return out
}
