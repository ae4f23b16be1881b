//go:build !linux

package nic

import (
	"errors"
	"runtime"
)

// PinThread locks the calling goroutine to its OS thread; binding the thread
// to a CPU is only implemented on Linux, so it reports an error elsewhere.
func PinThread(cpu int) error {
	runtime.LockOSThread()
	return errors.New("pin worker: CPU affinity is only supported on Linux")
}
