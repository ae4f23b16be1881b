package rwlock

import (
	"runtime"
	"time"
)

// pad separates data written by different cores. It is 128 bytes, not 64,
// because the adjacent-line prefetcher on Intel CPUs pulls 64-byte lines in
// 128-byte-aligned pairs.
const pad = 128

// Backoff schedule for waiters. A lock holder's critical section is usually
// short, so a waiter first re-reads the lock word a few times. Spinning longer
// is harmful in Go: the holder may be a goroutine that is runnable but not
// running (GOMAXPROCS smaller than the number of busy goroutines), and a
// spinner that never yields can keep it off the CPU, which livelocks. So the
// waiter then yields with runtime.Gosched, and after many yields (the holder
// is probably blocked, not descheduled) sleeps so that it stops burning a
// core.
const (
	spinTries  = 32
	yieldTries = 2000
	sleepFor   = 50 * time.Microsecond
)

// backoff counts the attempts of one wait.
type backoff struct{ n int }

// wait delays the caller before its next attempt to take a lock.
func (b *backoff) wait() {
	b.n++
	switch {
	case b.n <= spinTries:
		// Busy-wait: the caller's loop re-reads the atomic lock word.
	case b.n <= spinTries+yieldTries:
		runtime.Gosched()
	default:
		time.Sleep(sleepFor)
	}
}
