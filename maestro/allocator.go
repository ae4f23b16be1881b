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
type chain struct {
	// Links of the allocated list and the free list. Index cap is the
	// sentinel of the allocated list: next[cap] is the oldest entry.
	next, prev []int32
	time       []int64
	used       []bool
	free       int32 // head of the free list, -1 when full
	n          int
	timeout    int64
	// local[c][i] is the time core c last refreshed entry i during a read
	// pass of a lock-based NF (nil otherwise). Each core writes only its own
	// slice, under its read lock; the writer reads them all under the write
	// lock, so the lock orders every access.
	local [][]int64
}

// NewAllocator returns an allocator of capacity indexes (rounded up to a power
// of two, at least 1, at most 2^30) whose entries expire after timeout
// nanoseconds without refresh.
func NewAllocator(capacity int, timeout int64) *Allocator {
	return &Allocator{d: newChain(scaleCapacity(capacity), timeout)}
}

func newChain(capacity int, timeout int64) *chain {
	c := &chain{
		next:    make([]int32, capacity+1),
		prev:    make([]int32, capacity+1),
		time:    make([]int64, capacity),
		used:    make([]bool, capacity),
		timeout: timeout,
	}
	c.reset()
	return c
}

func (c *chain) reset() {
	n := int32(len(c.used))
	for i := range n {
		c.next[i] = i + 1
		c.used[i] = false
	}
	c.next[n-1] = -1
	c.free = 0
	c.next[n], c.prev[n] = n, n
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
	if len(c.local) < cores {
		for len(c.local) < cores {
			c.local = append(c.local, make([]int64, len(c.used)))
		}
	}
}

// Cap returns the number of indexes.
func (a *Allocator) Cap() int { return len(a.d.used) }

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
	c.free = c.next[i]
	c.used[i] = true
	c.time[i] = now
	c.linkSorted(i)
	c.n++
	return int(i), true
}

// IsAllocated reports whether i is an allocated index (false when out of
// range).
func (a *Allocator) IsAllocated(i int) bool { return a.d.isAllocated(i) }

func (c *chain) isAllocated(i int) bool { return uint(i) < uint(len(c.used)) && c.used[i] }

// Time returns the last refresh time of allocated index i (0 otherwise). In
// a lock-based view it includes only this core's private refreshes.
func (a *Allocator) Time(i int) int64 { return a.d.timeOf(i, a.v) }

func (c *chain) timeOf(i int, v *view) int64 {
	if !c.isAllocated(i) {
		return 0
	}
	t := c.time[i]
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
	if now > c.time[i] {
		c.time[i] = now
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
	if c.timeout <= 0 {
		return -1, false
	}
	s := int32(len(c.used))
	for {
		i := c.next[s]
		if i == s || now-c.time[i] < c.timeout {
			return -1, false
		}
		if v.denyWrite() {
			return -1, false
		}
		t := c.time[i]
		for _, l := range c.local {
			t = max(t, l[i])
		}
		if now-t >= c.timeout {
			return i, true
		}
		c.time[i] = t
		c.unlink(i)
		c.linkSorted(i)
	}
}

func (c *chain) release(i int32) {
	c.unlink(i)
	c.used[i] = false
	c.next[i] = c.free
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
	s := int32(len(c.used))
	after := c.prev[s]
	for after != s && c.time[after] > c.time[i] {
		after = c.prev[after]
	}
	n := c.next[after]
	c.next[after] = i
	c.prev[i] = after
	c.next[i] = n
	c.prev[n] = i
}

func (c *chain) unlink(i int32) {
	p, n := c.prev[i], c.next[i]
	c.next[p] = n
	c.prev[n] = p
}
