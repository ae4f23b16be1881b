package shard

import (
	"errors"
	"sync"
	"testing"
	"unsafe"
)

func TestNewPerCoreRejectsBadCounts(t *testing.T) {
	for _, n := range []int{0, -1, -1 << 40, MaxCores + 1} {
		p, err := NewPerCore(n, func(int) int { return 0 })
		if !errors.Is(err, ErrCores) || p != nil {
			t.Errorf("NewPerCore(%d) = %v, %v; want nil, ErrCores", n, p, err)
		}
	}
	if _, err := NewPerCore[int](MaxCores, nil); err != nil {
		t.Errorf("NewPerCore(MaxCores): %v", err)
	}
}

func TestPerCoreGetOutOfRange(t *testing.T) {
	p, err := NewPerCore[int](3, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{-1, 3, 1 << 40} {
		if got := p.Get(c); got != nil {
			t.Errorf("Get(%d) = %p, want nil", c, got)
		}
	}
}

// checkIsolation asserts that no 128-byte-aligned block of memory holds bytes
// of two different slots, that consecutive slots are at least size+Pad bytes
// apart, and that slots are in core order.
func checkIsolation[T any](t *testing.T, cores int) {
	t.Helper()
	p, err := NewPerCore[T](cores, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Cores() != cores {
		t.Fatalf("Cores() = %d, want %d", p.Cores(), cores)
	}
	var zero T
	size := unsafe.Sizeof(zero)
	prevLastBlock, prevAddr := uintptr(0), uintptr(0)
	for i := 0; i < cores; i++ {
		addr := uintptr(unsafe.Pointer(p.Get(i)))
		if i > 0 {
			if addr-prevAddr < size+Pad || addr <= prevAddr {
				t.Errorf("%T: slot %d at %#x is %d bytes after slot %d, want >= %d",
					zero, i, addr, addr-prevAddr, i-1, size+Pad)
			}
			if size > 0 && addr/Pad <= prevLastBlock {
				t.Errorf("%T: slot %d starts in 128-byte block %#x, slot %d ends in %#x",
					zero, i, addr/Pad, i-1, prevLastBlock)
			}
		}
		prevAddr = addr
		if size > 0 {
			prevLastBlock = (addr + size - 1) / Pad
		}
	}
}

func TestPerCoreSlotsDoNotShareBlocks(t *testing.T) {
	for _, cores := range []int{1, 2, 3, 8, 64} {
		checkIsolation[uint64](t, cores)
		checkIsolation[byte](t, cores)
		checkIsolation[[3]byte](t, cores)
		checkIsolation[[100]byte](t, cores)
		checkIsolation[[129]uint64](t, cores)
		checkIsolation[struct{}](t, cores)
		checkIsolation[struct {
			p *int
			s string
			b bool
		}](t, cores)
	}
}

func TestPerCoreValuesAreIndependent(t *testing.T) {
	const cores = 5
	calls := 0
	p, err := NewPerCore(cores, func(core int) [4]int {
		calls++
		return [4]int{core, core * 10, core * 100, core * 1000}
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != cores {
		t.Fatalf("init called %d times, want %d", calls, cores)
	}
	for c := 0; c < cores; c++ {
		v := p.Get(c)
		v[0], v[3] = -c-1, -c-1
		for o := 0; o < cores; o++ {
			w := *p.Get(o)
			if o <= c {
				want := [4]int{-o - 1, o * 10, o * 100, -o - 1}
				if w != want {
					t.Fatalf("after writing core %d, core %d = %v, want %v", c, o, w, want)
				}
				continue
			}
			if want := [4]int{o, o * 10, o * 100, o * 1000}; w != want {
				t.Fatalf("after writing core %d, core %d = %v, want %v", c, o, w, want)
			}
		}
	}
	seen := 0
	p.Each(func(core int, v *[4]int) {
		if core != seen || v != p.Get(core) {
			t.Errorf("Each visited core %d (%p) at step %d, want %p", core, v, seen, p.Get(core))
		}
		seen++
	})
	if seen != cores {
		t.Errorf("Each visited %d cores, want %d", seen, cores)
	}
}

// TestPerCoreConcurrentOwners has each core's goroutine update its own slot
// without synchronization; under -race this fails if two slots overlap.
func TestPerCoreConcurrentOwners(t *testing.T) {
	const cores, iters = 4, 10000
	p, err := NewPerCore[struct{ a, b int }](cores, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for c := range cores {
		wg.Go(func() {
			v := p.Get(c)
			for i := 0; i < iters; i++ {
				v.a++
				v.b += c
			}
		})
	}
	wg.Wait()
	p.Each(func(c int, v *struct{ a, b int }) {
		if v.a != iters || v.b != iters*c {
			t.Errorf("core %d = %+v, want {%d %d}", c, *v, iters, iters*c)
		}
	})
}

func TestCounter(t *testing.T) {
	if _, err := NewCounter(0); !errors.Is(err, ErrCores) {
		t.Fatalf("NewCounter(0) err = %v, want ErrCores", err)
	}
	const cores, iters = 4, 5000
	c, err := NewCounter(cores)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for core := range cores {
		wg.Go(func() {
			for i := 0; i < iters; i++ {
				c.Add(core, int64(core+1))
			}
		})
	}
	// Out-of-range ids fold onto real slots and still count.
	wg.Go(func() {
		for i := 0; i < iters; i++ {
			c.Add(-1, 1)      // core 3
			c.Add(cores+1, 1) // core 1
		}
	})
	wg.Wait()
	want := int64(iters * (1 + 2 + 3 + 4 + 2))
	if got := c.Load(); got != want {
		t.Errorf("Load() = %d, want %d", got, want)
	}
	for core, w := range []int64{iters, 3 * iters, 3 * iters, 5 * iters} {
		if got := c.LoadCore(core); got != w {
			t.Errorf("LoadCore(%d) = %d, want %d", core, got, w)
		}
	}
	if got := c.LoadCore(cores); got != 0 {
		t.Errorf("LoadCore(out of range) = %d, want 0", got)
	}
	if c.Cores() != cores {
		t.Errorf("Cores() = %d", c.Cores())
	}
}
