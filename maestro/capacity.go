package maestro

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// Per-core capacity.
//
// A shared-nothing parallel NF builds one instance per core with the NF's
// own constructor. Each core sees about 1/cores of the flows, so the
// generated code builds the instances inside BuildPerCore, which makes the
// flow-driven containers (Table, Allocator, CountMin) take the configured
// capacity divided by the number of cores, rounded up to a power of two:
// the paper's choice, and what keeps the total memory of the parallel NF
// that of the sequential one. Map and Vector keep their full size: they
// usually hold configuration (a static MAC table, a lookup table) that every
// core needs whole.
//
// The divisor reaches the containers through package state, since the
// NF's constructor stands between them. It applies only on the goroutine
// running BuildPerCore: a sequential NF built on another goroutine at the
// same time (a test building its reference, a config reload) keeps its
// full capacity.

var (
	buildMu sync.Mutex // serialises BuildPerCore
	// building is set while a BuildPerCore runs, so that containers built
	// when none does (nearly always) skip the goroutine check.
	building atomic.Bool
	// stateMu guards buildG and buildDiv, read by other goroutines.
	stateMu  sync.Mutex
	buildG   uint64 // the goroutine running BuildPerCore
	buildDiv = 1
)

// BuildPerCore calls build with Table, Allocator and CountMin capacities
// divided by cores (at least 1), for the containers build constructs on
// its own goroutine. Builds are serialised; build must not call
// BuildPerCore itself.
func BuildPerCore[T any](cores int, build func() T) T {
	buildMu.Lock()
	defer buildMu.Unlock()
	stateMu.Lock()
	buildG, buildDiv = goroutineID(), max(cores, 1)
	stateMu.Unlock()
	building.Store(true)
	defer func() {
		building.Store(false)
		stateMu.Lock()
		buildG, buildDiv = 0, 1
		stateMu.Unlock()
	}()
	return build()
}

// scaleCapacity applies the BuildPerCore divisor, if the calling goroutine
// is running one, to a requested capacity and rounds the result to the
// container capacity actually used.
func scaleCapacity(n int) int {
	if building.Load() && n > 0 {
		g := goroutineID()
		stateMu.Lock()
		div := buildDiv
		if g != buildG {
			div = 1
		}
		stateMu.Unlock()
		n = (n + div - 1) / div
	}
	return roundCapacity(n)
}

// goroutineID returns the calling goroutine's id, read from the first line
// of its stack trace ("goroutine 18 [running]:"); 0 if that line cannot be
// read. Only container construction calls it, while a BuildPerCore runs.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, ok := bytes.CutPrefix(b, []byte("goroutine "))
	if !ok {
		return 0
	}
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return id
}
