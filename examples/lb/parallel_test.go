//go:build !maestrogen

package lb

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// testConfig makes state expire within the standard traces (20 ms long),
// so expiry and slot reuse are compared too.
var testConfig = Config{Backends: 16, BackendTimeout: time.Millisecond, Capacity: 8192, FlowTimeout: 2 * time.Millisecond, RingSize: 257}

// TestParallelMatchesSequential is the differential test (docs/design.md) for
// the generated parallel NF.
func TestParallelMatchesSequential(t *testing.T) {
	traces, err := maestrotest.AllTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq := func() maestro.NF { return New(testConfig) }
	maestrotest.CheckMatrix(t, traces,
		maestrotest.Case{Name: "parallel", Seq: seq,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) }},
	)
}
