package maestro

import "sync"

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

var (
	buildMu  sync.Mutex
	buildDiv = 1
)

// BuildPerCore calls build with Table, Allocator and CountMin capacities
// divided by cores (at least 1). Builds are serialised; build must not call
// BuildPerCore itself.
func BuildPerCore[T any](cores int, build func() T) T {
	buildMu.Lock()
	defer buildMu.Unlock()
	buildDiv = max(cores, 1)
	defer func() { buildDiv = 1 }()
	return build()
}

// scaleCapacity applies the BuildPerCore divisor to a requested capacity and
// rounds the result to the container capacity actually used.
func scaleCapacity(n int) int {
	if buildDiv > 1 && n > 0 {
		n = (n + buildDiv - 1) / buildDiv
	}
	return roundCapacity(n)
}
