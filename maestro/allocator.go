package maestro

// Allocator hands out indexes 0..Cap()-1 and expires them by age: libVig's
// double chain (dchain). Allocated indexes sit on a doubly linked list in
// order of their last refresh, oldest first, so Refresh is O(1) and Expire
// costs time proportional to what it frees. Free indexes sit on a singly
// linked free list. Times are nanoseconds (Packet.Time); an entry expires
// when its last refresh is at least the timeout old. A timeout <= 0 means
// entries never expire.
//
// NFs use an Allocator to number things (NAT's external ports are a start
// port plus an allocated index). Table embeds the same machinery.
//
// IsAllocated and Time are reads, Refresh is a refresh, Allocate, Free and
// Expire are writes.
type Allocator struct {
	d *chain
	v *view
}

// chain is the double chain shared by an Allocator or Table and its views.
//
// Each index has one 16-byte cell holding its links and its time, so that
// refreshing an entry (unlink, relink at the tail) touches three cache lines
// (its own and its neighbours') rather than one per array.
type chain struct {
	// cells[cap] is the sentinel of the allocated list: its next is the
	// oldest entry, its prev the newest. A free cell has prev == freeCell
	// and its next links the free list.
	cells   []cell
	free    int32 // head of the free list, -1 when full
	n       int
	timeout int64
	// local[c][i] is the time core c last refreshed entry i during a read
	// pass of a lock-based NF (nil otherwise). Each core writes only its own
	// slice, under its read lock; the writer reads them all under the write
	// lock, so the lock orders every access.
	local [][]int64
}

type cell struct {
	next, prev int32
	time       int64
}

// freeCell marks a free index in cell.prev.
const freeCell = -1

// NewAllocator returns an allocator of capacity indexes (rounded up to a power
// of two, at least 1, at most 2^30) whose entries expire after timeout
// nanoseconds without refresh.
func NewAllocator(capacity int, timeout int64) *Allocator {
	return &Allocator{d: newChain(scaleCapacity(capacity), timeout)}
}

func newChain(capacity int, timeout int64) *chain {
	c := &chain{cells: make([]cell, capacity+1), timeout: timeout}
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
	c.cells[n] = cell{next: n, prev: n}
	c.n = 0
	for _, l := range c.local {
		clear(l)
	}
}

// View returns core's view of a for a lock-based NF (see LockGroup).
func (a *Allocator) View(g *LockGroup, core int) *Allocator {
	a.d.withLocal(len(g.cores))
	return &Allocator{d: a.d, v: newView(g, core)}
}

func (c *chain) withLocal(cores int) {
	for len(c.local) < cores {
		c.local = append(c.local, make([]int64, c.capacity()))
	}
}

// Cap returns the number of indexes.
func (a *Allocator) Cap() int { return a.d.capacity() }

// Len returns the number of allocated indexes.
func (a *Allocator) Len() int { return a.d.n }

// Timeout returns the expiry timeout in nanoseconds.
func (a *Allocator) Timeout() int64 { return a.d.timeout }

// Reset frees every index. It is a write.
func (a *Allocator) Reset() {
	if a.v.denyWrite() {
		return
	}
	a.d.reset()
}

// Allocate takes a free index, stamped with time now. It reports false when
// every index is allocated.
func (a *Allocator) Allocate(now int64) (int, bool) {
	if a.v.denyWrite() {
		return -1, false
	}
	return a.d.allocate(now)
}

func (c *chain) allocate(now int64) (int, bool) {
	i := c.free
	if i < 0 {
		return -1, false
	}
	c.free = c.cells[i].next
	c.cells[i].time = now
	c.linkSorted(i)
	c.n++
	return int(i), true
}

// IsAllocated reports whether i is an allocated index (false when out of
// range).
func (a *Allocator) IsAllocated(i int) bool { return a.d.isAllocated(i) }

func (c *chain) isAllocated(i int) bool {
	return uint(i) < uint(c.capacity()) && c.cells[i].prev != freeCell
}

// Time returns the last refresh time of allocated index i (0 otherwise). In
// a lock-based view it includes only this core's private refreshes.
func (a *Allocator) Time(i int) int64 { return a.d.timeOf(i, a.v) }

func (c *chain) timeOf(i int, v *view) int64 {
	if !c.isAllocated(i) {
		return 0
	}
	t := c.cells[i].time
	if v != nil {
		t = max(t, c.local[v.core][i])
	}
	return t
}

// Refresh stamps allocated index i with time now so that it does not expire.
// It reports false when i is not allocated.
func (a *Allocator) Refresh(i int, now int64) bool { return a.d.refresh(i, now, a.v) }

func (c *chain) refresh(i int, now int64, v *view) bool {
	if !c.isAllocated(i) {
		return false
	}
	if v.reading() {
		// Core-private: keeps steady traffic on known entries read-only.
		// Expire consults every core's stamp before freeing anything.
		l := c.local[v.core]
		l[i] = max(l[i], now)
		return true
	}
	if now > c.cells[i].time {
		c.cells[i].time = now
		c.unlink(int32(i))
		c.linkSorted(int32(i))
	}
	return true
}

// Free returns allocated index i to the free list. It reports false when i
// is not allocated.
func (a *Allocator) Free(i int) bool {
	if !a.d.isAllocated(i) || a.v.denyWrite() {
		return false
	}
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
// false when none has. In a read pass, finding a candidate aborts the pass
// (expiring is a write) and returns false. In a write pass of a lock-based
// NF, a candidate that some core refreshed privately is not expired: it
// takes its newest time and is re-linked in order, so the chain stays sorted
// and every entry that is really stale is still found at its head.
func (c *chain) nextExpired(now int64, v *view) (int32, bool) {
	// The common case, nothing stale, in a few instructions.
	s := len(c.cells) - 1
	if c.timeout <= 0 || now-c.cells[c.cells[s].next].time < c.timeout || c.cells[s].next == int32(s) {
		return -1, false
	}
	return c.nextExpiredSlow(now, v)
}

func (c *chain) nextExpiredSlow(now int64, v *view) (int32, bool) {
	s := int32(c.capacity())
	for {
		i := c.cells[s].next
		if i == s || now-c.cells[i].time < c.timeout {
			return -1, false
		}
		if v.denyWrite() {
			return -1, false
		}
		t := c.cells[i].time
		for _, l := range c.local {
			t = max(t, l[i])
		}
		if now-t >= c.timeout {
			return i, true
		}
		c.cells[i].time = t
		c.unlink(i)
		c.linkSorted(i)
	}
}

func (c *chain) release(i int32) {
	c.unlink(i)
	c.cells[i] = cell{next: c.free, prev: freeCell}
	c.free = i
	c.n--
	// A reused index must not inherit private stamps of its previous life.
	for _, l := range c.local {
		l[i] = 0
	}
}

// linkSorted links i into the allocated list after the last entry whose time
// is not newer than i's. Times normally arrive in order, so this stops at the
// tail at once; it keeps the list sorted when they do not.
func (c *chain) linkSorted(i int32) {
	s := int32(c.capacity())
	t := c.cells[i].time
	after := c.cells[s].prev
	for after != s && c.cells[after].time > t { // rare: times out of order
		after = c.cells[after].prev
	}
	n := c.cells[after].next
	c.cells[after].next = i
	c.cells[i].prev = after
	c.cells[i].next = n
	c.cells[n].prev = i
}

func (c *chain) unlink(i int32) {
	p, n := c.cells[i].prev, c.cells[i].next
	c.cells[p].next = n
	c.cells[n].prev = p
}
