package maestro

import (
	"math/rand/v2"
	"testing"
)

// chainModel is the Allocator's specification, written the slow and
// obvious way: a set of allocated indexes with their times, a stack of free
// indexes (Free and Expire push, Allocate pops), and Expire freeing what
// has expired oldest first by (time, index).
type chainModel struct {
	timeout int64
	times   map[int]int64
	free    []int // top at the end
}

func newChainModel(capacity int, timeout int64) *chainModel {
	m := &chainModel{timeout: timeout, times: map[int]int64{}}
	for i := capacity - 1; i >= 0; i-- {
		m.free = append(m.free, i)
	}
	return m
}

func (m *chainModel) allocate(now int64) (int, bool) {
	if len(m.free) == 0 {
		return -1, false
	}
	i := m.free[len(m.free)-1]
	m.free = m.free[:len(m.free)-1]
	m.times[i] = now
	return i, true
}

func (m *chainModel) refresh(i int, now int64) bool {
	t, ok := m.times[i]
	if ok && now > t {
		m.times[i] = now
	}
	return ok
}

func (m *chainModel) release(i int) bool {
	if _, ok := m.times[i]; !ok {
		return false
	}
	delete(m.times, i)
	m.free = append(m.free, i)
	return true
}

func (m *chainModel) expire(now int64) int {
	n := 0
	for {
		oldest, found := -1, false
		for i, t := range m.times {
			if now-t < m.timeout {
				continue
			}
			if !found || t < m.times[oldest] || t == m.times[oldest] && i < oldest {
				oldest, found = i, true
			}
		}
		if !found {
			return n
		}
		m.release(oldest)
		n++
	}
}

// checkChainAgainstModel runs ops on an Allocator and on the model and
// fails at the first difference. Each op is two bytes: the operation and
// an operand (index, or a time step, which may go back: stamps out of
// order take the heap). The free list's order is observable through which
// index Allocate returns, so it checks expiry order too.
func checkChainAgainstModel(t *testing.T, ops []byte) {
	t.Helper()
	const capacity, timeout = 8, 40
	a := NewAllocator(capacity, timeout)
	m := newChainModel(capacity, timeout)
	now := int64(1000)
	for j := 0; j+1 < len(ops); j += 2 {
		op, arg := ops[j]%5, int(ops[j+1])
		now += int64(arg%16) - 5  // mostly forward, sometimes back
		i := arg % (capacity + 1) // capacity itself is out of range
		switch op {
		case 0:
			gi, gok := a.Allocate(now)
			mi, mok := m.allocate(now)
			if gi != mi || gok != mok {
				t.Fatalf("op %d: Allocate(%d) = %d,%v, model %d,%v", j/2, now, gi, gok, mi, mok)
			}
		case 1, 2:
			if g, w := a.Refresh(i, now), m.refresh(i, now); g != w {
				t.Fatalf("op %d: Refresh(%d, %d) = %v, model %v", j/2, i, now, g, w)
			}
		case 3:
			if g, w := a.Free(i), m.release(i); g != w {
				t.Fatalf("op %d: Free(%d) = %v, model %v", j/2, i, g, w)
			}
		case 4:
			if g, w := a.Expire(now), m.expire(now); g != w {
				t.Fatalf("op %d: Expire(%d) freed %d, model %d", j/2, now, g, w)
			}
		}
		// Expire's early return, and Refresh's tail path, which never
		// lowers due, rely on this: due is never later than the expiry of
		// any allocated entry's stamp.
		for k, mt := range m.times {
			if due := a.d.due.Load(); due > a.d.expiry(mt) {
				t.Fatalf("op %d: due %d is later than the expiry of index %d, stamped %d", j/2, due, k, mt)
			}
		}
		if a.Len() != len(m.times) {
			t.Fatalf("op %d: Len %d, model %d", j/2, a.Len(), len(m.times))
		}
		for k := range capacity {
			mt, ok := m.times[k]
			if a.IsAllocated(k) != ok || ok && a.Time(k) != mt {
				t.Fatalf("op %d: index %d allocated %v time %d, model %v %d", j/2, k, a.IsAllocated(k), a.Time(k), ok, mt)
			}
		}
	}
}

// TestChainMatchesModel checks the Allocator's double chain (which Table and
// Map share) against the model on random operation sequences whose times
// go back as well as forward, so that refreshes take both the tail fast
// path and the heap.
func TestChainMatchesModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		ops := make([]byte, 400)
		for i := range ops {
			ops[i] = byte(r.Uint32())
		}
		checkChainAgainstModel(t, ops)
	}
}

func FuzzChain(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 0, 9, 1, 0, 2, 15, 4, 200, 0, 0})
	f.Fuzz(checkChainAgainstModel)
}
