//go:build !maestrogen

package hhh

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// testConfig makes state expire within the standard traces (20 ms long),
// so expiry and slot reuse are compared too.
var testConfig = Config{Levels: LevelsFor([]int{24, 28, 32}, 100_000, 1500), Capacity: 8192, Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential is the differential test (docs/design.md) for
// the generated parallel NF and its forced lock-based variant.
func TestParallelMatchesSequential(t *testing.T) {
	traces, err := maestrotest.AllTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq := func() maestro.NF { return New(testConfig) }
	maestrotest.CheckMatrix(t, traces,
		maestrotest.Case{Name: "parallel", Seq: seq, SharedNothing: true,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) }},
		maestrotest.Case{Name: "locked", Seq: seq,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewLocked(testConfig, cores) }},
	)
}
