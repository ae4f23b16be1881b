//go:build dpdk

package dpdk

/*
#cgo pkg-config: libdpdk
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Hint is appended to EAL start-up errors: the usual cause on a development
// machine is the lack of hugepages, NICs or root rights.
const Hint = "hint: try --no-huge --no-pci with a --vdev (e.g. --no-huge -m 512 --no-pci --vdev=net_null0), run as root, " +
	"and give each concurrent DPDK process its own --file-prefix"

var eal struct {
	sync.Mutex
	state   int // 0 never started, 1 running, 2 cleaned up
	args    []string
	cpus    []int // the process's CPUs before the EAL re-pinned its thread
	cleanup []func()
}

const (
	ealNone = iota
	ealRunning
	ealDone
)

// Init starts the DPDK EAL with args (as on a DPDK application's command
// line; a program name is prepended when args[0] is an option). The EAL can
// be started once per process: a second call returns an error, as does a
// call after Cleanup. A failure returns DPDK's own message
// (rte_strerror(rte_errno)) and Hint.
func Init(args []string) error {
	eal.Lock()
	defer eal.Unlock()
	switch eal.state {
	case ealRunning:
		return fmt.Errorf("dpdk: EAL already initialised with %q", eal.args)
	case ealDone:
		return errors.New("dpdk: EAL cleaned up; it cannot be started again in this process")
	}
	argv := slices.Clone(args)
	if len(argv) == 0 || strings.HasPrefix(argv[0], "-") {
		argv = append([]string{"maestro"}, argv...)
	}

	// rte_eal_init pins the calling thread to the main lcore. Threads the Go
	// runtime creates later inherit the mask of the thread that creates
	// them, so the pinning must not outlive this call: run it on a locked
	// thread and restore that thread's mask afterwards.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var saved unix.CPUSet
	if err := unix.SchedGetaffinity(0, &saved); err != nil {
		return fmt.Errorf("dpdk: sched_getaffinity: %w", err)
	}

	// The EAL's getopt may permute argv and keeps pointers into it, so the
	// C strings stay allocated for the life of the process.
	cargv := (**C.char)(C.calloc(C.size_t(len(argv)+1), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	cs := unsafe.Slice(cargv, len(argv)+1)
	for i, a := range argv {
		cs[i] = C.CString(a)
	}
	rc := C.mx_eal_init(C.int(len(argv)), cargv)
	errno := C.mx_errno()
	_ = unix.SchedSetaffinity(0, &saved)
	if rc < 0 {
		return fmt.Errorf("dpdk: rte_eal_init(%s): %s (rte_errno %d); %s",
			strings.Join(argv[1:], " "), C.GoString(C.rte_strerror(errno)), int(errno), Hint)
	}
	eal.state = ealRunning
	eal.args = slices.Clone(args)
	eal.cpus = cpuList(&saved)
	return nil
}

// Initialized reports whether the EAL is running.
func Initialized() bool {
	eal.Lock()
	defer eal.Unlock()
	return eal.state == ealRunning
}

// Cleanup stops and closes every port Run used and releases the EAL
// (rte_eal_cleanup). It waits for a Run in progress to end. Nothing in this
// package works afterwards.
func Cleanup() error {
	// Same lock order as Run: the run lock, then the EAL's.
	runMu.Lock()
	defer runMu.Unlock()
	eal.Lock()
	defer eal.Unlock()
	if eal.state != ealRunning {
		return nil
	}
	for _, f := range eal.cleanup {
		f()
	}
	eal.cleanup = nil
	eal.state = ealDone
	if rc := C.rte_eal_cleanup(); rc < 0 {
		return fmt.Errorf("dpdk: rte_eal_cleanup: %s", C.GoString(C.rte_strerror(-rc)))
	}
	return nil
}

// cpuList lists the CPUs in s in increasing order.
func cpuList(s *unix.CPUSet) []int {
	var cpus []int
	for i := 0; i < len(s)*64; i++ {
		if s.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// rteErr formats a negative DPDK return code.
func rteErr(what string, rc C.int) error {
	code := rc
	if code < 0 {
		code = -code
	}
	return fmt.Errorf("dpdk: %s: %s (%d)", what, C.GoString(C.rte_strerror(code)), int(rc))
}
