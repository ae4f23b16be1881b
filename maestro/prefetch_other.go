//go:build !amd64 && !arm64

package maestro

import "unsafe"

// prefetchEach is a hint only; architectures without an assembly version
// (prefetch_amd64.s, prefetch_arm64.s) skip it, and bursts then pay their
// cache misses in Process one after the other.
func prefetchEach(base unsafe.Pointer, size uintptr, idx []int64) {}
