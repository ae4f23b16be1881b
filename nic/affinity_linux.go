package nic

import (
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// PinThread locks the calling goroutine to its OS thread and binds that
// thread to CPU cpu (modulo the CPUs available to the process), as a poll
// loop worker wants: no migration, warm caches, one queue per core. The
// worker goroutine should end without unlocking: the runtime then retires
// the thread instead of handing its narrowed affinity to other goroutines.
func PinThread(cpu int) error {
	runtime.LockOSThread()
	var avail unix.CPUSet
	if err := unix.SchedGetaffinity(0, &avail); err != nil {
		return fmt.Errorf("pin worker: reading CPU affinity: %w", err)
	}
	n := avail.Count()
	if n == 0 {
		return fmt.Errorf("pin worker: no CPU available")
	}
	// Pick the (cpu mod n)-th CPU the process may run on.
	want := cpu % n
	for c := 0; c < 1024; c++ {
		if !avail.IsSet(c) {
			continue
		}
		if want == 0 {
			var set unix.CPUSet
			set.Set(c)
			if err := unix.SchedSetaffinity(0, &set); err != nil {
				return fmt.Errorf("pin worker to CPU %d: %w", c, err)
			}
			return nil
		}
		want--
	}
	return fmt.Errorf("pin worker: CPU %d not found", cpu)
}
