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
	"io"
	"os"
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
// call after Cleanup. A failure returns, on one line, DPDK's own message
// (rte_strerror(rte_errno)), the complaints the EAL printed (such as
// getopt's "unrecognized option") and Hint. While rte_eal_init runs, the
// process's stdout and stderr go to a temporary file: the EAL answers a bad
// command line with its whole usage text, which the error replaces; after a
// successful start, what the EAL printed is copied to stderr.
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
	// The EAL's own output is captured (see mx_eal_init) into an unnamed
	// temporary file: a pipe could fill up and block the EAL.
	capture, _ := os.CreateTemp("", "maestro-eal-*")
	fd := C.int(-1)
	if capture != nil {
		os.Remove(capture.Name())
		defer capture.Close()
		fd = C.int(capture.Fd())
	}
	rc := C.mx_eal_init(C.int(len(argv)), cargv, fd)
	errno := C.mx_errno()
	_ = unix.SchedSetaffinity(0, &saved)
	var said []byte
	if capture != nil {
		if _, err := capture.Seek(0, io.SeekStart); err == nil {
			said, _ = io.ReadAll(capture)
		}
	}
	if rc < 0 {
		why := ealComplaints(string(said), argv[0])
		if why != "" {
			why = ": " + why
		}
		return fmt.Errorf("dpdk: rte_eal_init(%s): %s (rte_errno %d)%s; %s",
			strings.Join(argv[1:], " "), C.GoString(C.rte_strerror(errno)), int(errno), why, Hint)
	}
	// A successful start keeps its output (log lines, warnings) where it
	// would have gone.
	os.Stderr.Write(said)
	eal.state = ealRunning
	eal.args = slices.Clone(args)
	eal.cpus = cpuList(&saved)
	return nil
}

// ealComplaints picks the error messages out of what a failed rte_eal_init
// printed: getopt's (prefixed with the program name prog) and the EAL's log
// lines, without the usage text, the informational "Detected" lines or
// repeats, joined by "; ".
func ealComplaints(out, prog string) string {
	var msgs []string
	for _, line := range strings.Split(out, "\n") {
		var msg string
		switch {
		case strings.HasPrefix(line, prog+": "):
			msg = strings.TrimPrefix(line, prog+": ")
		case strings.HasPrefix(line, "EAL: ") && !strings.HasPrefix(line, "EAL: Detected"):
			msg = strings.TrimPrefix(strings.TrimPrefix(line, "EAL: "), "FATAL: ")
		default:
			continue
		}
		if msg = strings.TrimSuffix(strings.TrimSpace(msg), "."); msg != "" && !slices.Contains(msgs, msg) {
			msgs = append(msgs, msg)
		}
	}
	return strings.Join(msgs, "; ")
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
