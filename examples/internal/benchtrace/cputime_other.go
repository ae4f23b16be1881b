//go:build !unix

package benchtrace

import "time"

// processCPU is not available here: RunParallel reports no cpu-ns/pkt.
func processCPU() (time.Duration, bool) { return 0, false }
