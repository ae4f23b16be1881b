//go:build !maestrogen

package shiftnarrow

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// testConfig expires state within the traces, so expiry is compared too.
var testConfig = Config{Timeout: 2 * time.Millisecond}

func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[Limiter](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{})
}

// TestTrafficCatchesWrongPlan checks that the uniform standard trace exercises the
// pattern: sharding on the low byte of SrcIP (the narrowing without the shift) must show.
func TestTrafficCatchesWrongPlan(t *testing.T) {
	tr := func() maestrotest.Trace {
		trs, err := maestrotest.StandardTraces(maestrotest.TraceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return trs[0]
	}()
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return New(testConfig) }, advtest.Same(2, rss.Bits{Field: rss.SrcIP, Mask: 0xff})...)
}
