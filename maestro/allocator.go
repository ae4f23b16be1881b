package maestro

// Allocator hands out indexes 0..Cap()-1 and expires them by age: libVig's
// double chain (dchain). Allocated indexes sit on a doubly linked list in
// order of their last refresh, oldest first, so Refresh is O(1) and Expire
// costs time proportional to what it frees. Free indexes sit on a singly
// linked free list. Times are nanoseconds (Packet.Time) and must not go
// backwards; an entry expires when its last refresh is at least the timeout
// old. A timeout <= 0 means entries never expire.
//
// NFs use an Allocator to number things (NAT's external ports are a start
// port plus an allocated index). Table embeds the same machinery.
type Allocator struct {
	// Links of the allocated list and the free list. Index cap is the
	// sentinel of the allocated list: next[cap] is the oldest entry.
	next, prev []int32
	time       []int64
	used       []bool
	free       int32 // head of the free list, -1 when full
	n          int
	timeout    int64
}

// NewAllocator returns an allocator of capacity indexes (rounded up to a power
// of two, at least 1, at most 2^30) whose entries expire after timeout
// nanoseconds without refresh.
func NewAllocator(capacity int, timeout int64) *Allocator {
	a := &Allocator{}
	a.init(roundCapacity(capacity), timeout)
	return a
}

func (a *Allocator) init(capacity int, timeout int64) {
	a.next = make([]int32, capacity+1)
	a.prev = make([]int32, capacity+1)
	a.time = make([]int64, capacity)
	a.used = make([]bool, capacity)
	a.timeout = timeout
	a.Reset()
}

// Reset frees every index.
func (a *Allocator) Reset() {
	c := int32(len(a.used))
	for i := range c {
		a.next[i] = i + 1
		a.used[i] = false
	}
	a.next[c-1] = -1
	a.free = 0
	a.next[c], a.prev[c] = c, c
	a.n = 0
}

// Cap returns the number of indexes.
func (a *Allocator) Cap() int { return len(a.used) }

// Len returns the number of allocated indexes.
func (a *Allocator) Len() int { return a.n }

// Timeout returns the expiry timeout in nanoseconds.
func (a *Allocator) Timeout() int64 { return a.timeout }

// Allocate takes a free index, stamped with time now. It reports false when
// every index is allocated.
func (a *Allocator) Allocate(now int64) (int, bool) {
	i := a.free
	if i < 0 {
		return -1, false
	}
	a.free = a.next[i]
	a.used[i] = true
	a.time[i] = now
	a.linkNewest(i)
	a.n++
	return int(i), true
}

// IsAllocated reports whether i is an allocated index (false when out of
// range).
func (a *Allocator) IsAllocated(i int) bool {
	return uint(i) < uint(len(a.used)) && a.used[i]
}

// Time returns the last refresh time of allocated index i (0 otherwise).
func (a *Allocator) Time(i int) int64 {
	if !a.IsAllocated(i) {
		return 0
	}
	return a.time[i]
}

// Refresh stamps allocated index i with time now, making it the newest. It
// reports false when i is not allocated.
func (a *Allocator) Refresh(i int, now int64) bool {
	if !a.IsAllocated(i) {
		return false
	}
	a.time[i] = now
	a.unlink(int32(i))
	a.linkNewest(int32(i))
	return true
}

// Free returns allocated index i to the free list. It reports false when i
// is not allocated.
func (a *Allocator) Free(i int) bool {
	if !a.IsAllocated(i) {
		return false
	}
	a.release(int32(i))
	return true
}

// Expire frees every index whose last refresh is at least the timeout older
// than now, oldest first, and returns how many it freed.
func (a *Allocator) Expire(now int64) int {
	freed := 0
	for {
		i, ok := a.oldestStale(now)
		if !ok {
			return freed
		}
		a.release(i)
		freed++
	}
}

// oldestStale returns the oldest index if it has expired at time now.
func (a *Allocator) oldestStale(now int64) (int32, bool) {
	if a.timeout <= 0 {
		return -1, false
	}
	s := int32(len(a.used))
	i := a.next[s]
	if i == s || now-a.time[i] < a.timeout {
		return -1, false
	}
	return i, true
}

func (a *Allocator) release(i int32) {
	a.unlink(i)
	a.used[i] = false
	a.next[i] = a.free
	a.free = i
	a.n--
}

func (a *Allocator) linkNewest(i int32) {
	s := int32(len(a.used))
	last := a.prev[s]
	a.next[last] = i
	a.prev[i] = last
	a.next[i] = s
	a.prev[s] = i
}

func (a *Allocator) unlink(i int32) {
	p, n := a.prev[i], a.next[i]
	a.next[p] = n
	a.prev[n] = p
}
