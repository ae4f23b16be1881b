//go:build linux

package nic

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestPinThread(t *testing.T) {
	done := make(chan error)
	go func() {
		// Ends locked, so the runtime retires the pinned thread.
		if err := PinThread(1); err != nil {
			done <- err
			return
		}
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(0, &set); err != nil {
			done <- err
			return
		}
		if set.Count() != 1 {
			t.Errorf("thread may run on %d CPUs after pinning", set.Count())
		}
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
