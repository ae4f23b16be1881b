//go:build amd64 || arm64

package maestro

import "unsafe"

// prefetchEach asks the CPU to load into its caches the line of
// base+idx[i]*size for every idx[i] >= 0, without waiting for any of them
// (prefetch_$GOARCH.s). The addresses need not be valid: a prefetch never
// faults.
//
//go:noescape
func prefetchEach(base unsafe.Pointer, size uintptr, idx []int64)
