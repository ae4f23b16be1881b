package rwlock

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// MaxCores bounds the core count accepted by [New]; it only guards against a
// corrupted configuration turning into a huge allocation.
const MaxCores = 4096

// ErrCores is returned (wrapped) by [New] for a core count outside
// [1, MaxCores].
var ErrCores = errors.New("rwlock: core count out of range")

// Each core's lock word: the low 30 bits count that core's readers, bit 30
// says a writer has taken (or is taking) this core's lock. Bit 31 stays clear
// so that an unbalanced RUnlock shows up as an all-ones reader count instead
// of a flipped writer bit.
const (
	writerBit  = 1 << 30
	readerMask = writerBit - 1
)

// coreLock is one core's lock word alone on its 128-byte stride. With a
// stride of exactly pad bytes and a 4-byte aligned word, two words can never
// fall in the same 128-byte-aligned block, whatever the slice's base address.
type coreLock struct {
	state atomic.Int32
	_     [pad - 4]byte
}

// BigReader is a per-core reader/writer lock (a "big reader" lock, as in the
// Linux kernel's brlock and Maestro's lock-based runtime).
//
// A reader on core i calls RLock(i) and RUnlock(i); these touch only core i's
// lock word, which lives on its own 128-byte block, so readers on different
// cores never share a cache line and scale with the number of cores. A writer
// calls Lock and Unlock, which take every core's lock: writes are expected to
// be rare and pay for the cheap reads.
//
// Core ids should be in [0, Cores()), one id per goroutine that reads
// concurrently; an id outside that range is reduced modulo Cores(), and
// several goroutines may share an id (each core's word counts its readers),
// which is correct but makes them share a cache line.
//
// Fairness: once a writer has set a core's writer bit, new readers on that
// core wait, so a writer is delayed only by the read sections already in
// progress and is never starved by a stream of readers. Writers are served
// in the order of a sync.Mutex. A continuous stream of writers can delay
// readers; the lock is built for read-mostly use.
//
// As with sync.RWMutex, the lock is not reentrant: a goroutine must not
// call RLock while it holds Lock, nor Lock while it holds a read lock, nor
// take a second read lock on a core whose read lock it holds while a writer
// may be waiting. A BigReader must not be copied after first use; the zero
// value is not usable, call [New].
//
// # Memory ordering
//
// Under the Go memory model all sync/atomic operations behave as if executed
// in one sequentially consistent order, and an atomic operation that observes
// the effect of another is synchronized after it. RLock on core i is an
// atomic add of 1 to word i that sees no writer bit; Lock adds the writer bit
// to word i and then waits until it loads a word with no readers. The two
// adds on word i are ordered one way or the other:
//
//   - If the reader's add is first, the writer's add returns a reader count
//     above zero, so the writer keeps loading until it observes the reader's
//     RUnlock (an atomic add of -1). RUnlock comes after the read section in
//     program order, so the read section happens before everything the
//     writer does after Lock returns.
//   - If the writer's add is first, the reader's add sees the writer bit; the
//     reader backs out and keeps loading until it observes Unlock's removal of
//     the bit, which comes after the write section in program order. The
//     write section therefore happens before the reader's later successful
//     add and all of its read section.
//
// Either way read and write sections on the same core never overlap, and
// because the writer holds every core's word, no read section anywhere
// overlaps a write section. Writers exclude each other with a sync.Mutex,
// whose Unlock is synchronized before the next Lock.
type BigReader struct {
	// Leading padding keeps the slice header, which every reader loads,
	// away from whatever the allocator put just before this struct.
	_     [pad]byte
	cores []coreLock
	// mu is written by every writer; keep it off the readers' line.
	_  [pad]byte
	mu sync.Mutex
}

// New returns a BigReader for cores cores. It returns an error wrapping
// [ErrCores] if cores is not in [1, MaxCores].
func New(cores int) (*BigReader, error) {
	if cores < 1 || cores > MaxCores {
		return nil, fmt.Errorf("%w: %d not in [1, %d]", ErrCores, cores, MaxCores)
	}
	// One spare word before core 0 pads it from the previous heap object.
	// The word after the last core is padded by that core's own tail.
	return &BigReader{cores: make([]coreLock, cores+1)[1:]}, nil
}

// Cores returns the number of per-core locks.
func (l *BigReader) Cores() int { return len(l.cores) }

// word returns core's lock word, reducing an out-of-range id modulo Cores.
func (l *BigReader) word(core int) *atomic.Int32 {
	if uint(core) < uint(len(l.cores)) {
		return &l.cores[core].state
	}
	return l.wrapWord(core)
}

// wrapWord is word's out-of-range path, kept out of line so that RLock and
// RUnlock stay small enough to inline.
//
//go:noinline
func (l *BigReader) wrapWord(core int) *atomic.Int32 {
	n := len(l.cores)
	core %= n
	if core < 0 {
		core += n
	}
	return &l.cores[core].state
}

// RLock takes core's read lock. It waits while a writer holds or is taking
// the lock.
func (l *BigReader) RLock(core int) {
	w := l.word(core)
	if w.Add(1)&writerBit == 0 {
		return
	}
	rlockSlow(w)
}

// rlockSlow is RLock's path when a writer is present: back out, wait until
// the writer bit is clear, and try again.
func rlockSlow(w *atomic.Int32) {
	var b backoff
	for {
		// Back out so that the writer, which waits for the reader count
		// of this word to reach zero, is not blocked by a reader that is
		// itself waiting for the writer.
		w.Add(-1)
		for w.Load()&writerBit != 0 {
			b.wait()
		}
		if w.Add(1)&writerBit == 0 {
			return
		}
	}
}

// RUnlock releases a read lock taken by RLock with the same core id.
// Releasing a core's read lock that nobody holds is a programming error and
// panics (sync.RWMutex makes it a fatal error); the lock word is restored
// first, so a recovered panic leaves the lock usable.
func (l *BigReader) RUnlock(core int) {
	w := l.word(core)
	if w.Add(-1)&readerMask == readerMask {
		w.Add(1)
		panic("rwlock: RUnlock of unlocked BigReader core")
	}
}

// Lock takes the write lock: it takes every core's lock, in core order, and
// waits for every read section in progress to end. New readers on a core wait
// from the moment the writer has taken that core's lock.
func (l *BigReader) Lock() {
	l.mu.Lock()
	// Announce on every core before waiting on any, so the writer waits for
	// the slowest reader once instead of for each core's reader in turn.
	for i := range l.cores {
		l.cores[i].state.Add(writerBit)
	}
	var b backoff
	for i := range l.cores {
		w := &l.cores[i].state
		for w.Load() != writerBit {
			b.wait()
		}
	}
}

// Unlock releases the write lock. Unlocking a BigReader that is not
// write-locked is a programming error and panics before changing any state.
func (l *BigReader) Unlock() {
	if l.cores[0].state.Load()&writerBit == 0 {
		panic("rwlock: Unlock of unlocked BigReader")
	}
	for i := range l.cores {
		l.cores[i].state.Add(-writerBit)
	}
	l.mu.Unlock()
}
