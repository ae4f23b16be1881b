package rwlock

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

func newLock(t testing.TB, cores int) *BigReader {
	t.Helper()
	l, err := New(cores)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNewRejectsBadCounts(t *testing.T) {
	for _, n := range []int{0, -1, MaxCores + 1} {
		if l, err := New(n); !errors.Is(err, ErrCores) || l != nil {
			t.Errorf("New(%d) = %v, %v; want nil, ErrCores", n, l, err)
		}
	}
	if l := newLock(t, 3); l.Cores() != 3 {
		t.Errorf("Cores() = %d, want 3", l.Cores())
	}
}

// TestLockWordsOnDistinctBlocks checks the layout that makes RLock cheap:
// every core's word in its own 128-byte-aligned block.
func TestLockWordsOnDistinctBlocks(t *testing.T) {
	l := newLock(t, 16)
	seen := map[uintptr]int{}
	for i := range l.cores {
		blk := uintptr(unsafe.Pointer(&l.cores[i].state)) / pad
		if j, dup := seen[blk]; dup {
			t.Errorf("cores %d and %d share 128-byte block %#x", j, i, blk)
		}
		seen[blk] = i
	}
}

// TestWritersExcludeReaders has writers keep a == b except inside their
// critical section (where they yield between the two writes to widen the
// window) and readers on every core, including out-of-range ids that share
// a word, check a == b. The fields are plain ints, so -race also checks
// that every read section is ordered with every write section.
func TestWritersExcludeReaders(t *testing.T) {
	const cores, readers, writers = 3, 5, 2
	const readIters, writeIters = 3000, 300
	l := newLock(t, cores)
	var a, b int
	var broken atomic.Int64
	var wg sync.WaitGroup
	for r := range readers {
		core := r
		if r >= cores {
			core = -r // reduced modulo cores: shares a word with another reader
		}
		wg.Go(func() {
			for i := 0; i < readIters; i++ {
				l.RLock(core)
				if a != b {
					broken.Add(1)
				}
				l.RUnlock(core)
			}
		})
	}
	for range writers {
		wg.Go(func() {
			for i := 0; i < writeIters; i++ {
				l.Lock()
				a++
				if i%8 == 0 {
					runtime.Gosched()
				}
				b++
				l.Unlock()
			}
		})
	}
	wg.Wait()
	if n := broken.Load(); n != 0 {
		t.Errorf("readers saw a != b %d times", n)
	}
	if a != writers*writeIters || b != a {
		t.Errorf("a, b = %d, %d; want %d (writers lost updates)", a, b, writers*writeIters)
	}
}

// TestReadersOnDifferentCoresRunTogether holds every core's read lock at the
// same time: each reader enters, then waits inside its read section until
// all readers are inside. If read locks on different cores (or two readers
// sharing a core) excluded each other, this would never finish.
func TestReadersOnDifferentCoresRunTogether(t *testing.T) {
	const cores = 4
	l := newLock(t, cores)
	var inside, release sync.WaitGroup
	inside.Add(cores + 1)
	release.Add(1)
	var wg sync.WaitGroup
	for c := 0; c <= cores; c++ { // core id `cores` shares core 0's word
		wg.Go(func() {
			l.RLock(c)
			inside.Done()
			release.Wait()
			l.RUnlock(c)
		})
	}
	inside.Wait()
	release.Done()
	wg.Wait()
}

// TestWriterWaitsForReader: while a reader is inside its section, a writer
// that has already announced itself must not get through Lock, and once it
// does it must see the reader's writes. The probe loop gives a broken Lock
// many chances to return early; a correct one never can, so there is no
// timing in the assertion.
func TestWriterWaitsForReader(t *testing.T) {
	l := newLock(t, 2)
	var x int
	var returned atomic.Bool
	l.RLock(1)
	locked := make(chan int)
	go func() {
		l.Lock()
		returned.Store(true)
		locked <- x
		l.Unlock()
	}()
	for l.cores[1].state.Load()&writerBit == 0 {
		runtime.Gosched() // wait until the writer has taken core 1's lock
	}
	for range 200 {
		if returned.Load() {
			t.Fatal("Lock returned while a reader held core 1")
		}
		runtime.Gosched()
	}
	x = 1 // the reader's section is still open
	l.RUnlock(1)
	if got := <-locked; got != 1 {
		t.Errorf("writer saw x = %d, want 1", got)
	}
}

// TestReaderWaitsForWriter: a reader arriving while the write lock is held
// must not enter until Unlock, and must then see the writer's updates.
func TestReaderWaitsForWriter(t *testing.T) {
	l := newLock(t, 2)
	var x int
	var entered atomic.Bool
	l.Lock()
	read := make(chan int)
	go func() {
		l.RLock(0)
		entered.Store(true)
		read <- x
		l.RUnlock(0)
	}()
	for range 200 {
		if entered.Load() {
			t.Fatal("RLock returned while the write lock was held")
		}
		runtime.Gosched()
	}
	x = 1
	l.Unlock()
	if got := <-read; got != 1 {
		t.Errorf("reader saw x = %d, want 1", got)
	}
}

// TestWriterNotStarved runs readers that re-take their read locks without
// pause on every core; writers must still get through. A starved writer
// makes the test hang.
func TestWriterNotStarved(t *testing.T) {
	const cores, writes = 2, 200
	l := newLock(t, cores)
	var stop atomic.Bool
	var rd sync.WaitGroup
	for c := range cores * 2 { // two readers per core overlap on each word
		rd.Go(func() {
			for !stop.Load() {
				l.RLock(c % cores)
				l.RUnlock(c % cores)
			}
		})
	}
	for i := 0; i < writes; i++ {
		l.Lock()
		//lint:ignore SA2001 only taking the lock matters: writers must get through readers
		l.Unlock()
	}
	stop.Store(true)
	rd.Wait()
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestMisuseIsDetectedAndRecoverable(t *testing.T) {
	l := newLock(t, 2)
	mustPanic(t, "RUnlock without RLock", func() { l.RUnlock(1) })
	mustPanic(t, "Unlock without Lock", l.Unlock)
	l.Lock()
	mustPanic(t, "RUnlock while write-locked", func() { l.RUnlock(0) })
	l.Unlock()
	// The failed calls left no trace: both sides still work.
	l.RLock(1)
	l.RLock(-1) // reduced to core 1
	l.RUnlock(1)
	l.RUnlock(-1)
	l.Lock()
	//lint:ignore SA2001 the lock must still be takeable after misuse
	l.Unlock()
	for i := range l.cores {
		if s := l.cores[i].state.Load(); s != 0 {
			t.Errorf("core %d word = %#x after balanced use, want 0", i, s)
		}
	}
}
