//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/shiftnarrow"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// shiftnarrowTestConfig expires state within the traces, so expiry is compared too.
var shiftnarrowTestConfig = shiftnarrow.Config{Timeout: 2 * time.Millisecond}

func TestShiftnarrow_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[shiftnarrow.Limiter](t, func() maestro.NF { return shiftnarrow.New(shiftnarrowTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return shiftnarrow.NewParallel(shiftnarrowTestConfig, cores)
		},
		advtest.Options{})
}

// TestShiftnarrow_TrafficCatchesWrongPlan checks that the uniform standard trace exercises the
// pattern: sharding on the low byte of SrcIP (the narrowing without the shift) must show.
func TestShiftnarrow_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.Uniform(t)
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return shiftnarrow.New(shiftnarrowTestConfig) }, advtest.Same(2, rss.Bits{Field: rss.SrcIP, Mask: 0xff})...)
}
