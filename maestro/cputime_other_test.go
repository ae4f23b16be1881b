//go:build !linux

package maestro

// threadCPU is not measured here (see the Linux version).
func threadCPU() int64 { return -1 }
