package maestro

import "golang.org/x/sys/unix"

// threadCPU returns the calling thread's CPU time in nanoseconds, or -1.
// On a shared machine a benchmark's wall time counts the time other
// processes ran; the thread's CPU time does not.
func threadCPU() int64 {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return -1
	}
	return ts.Nano()
}
