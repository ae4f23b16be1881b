//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/sketchcollide"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// sketchcollideTestConfig has a narrow sketch, so that sources share
// counters, and expires counters within the traces.
var sketchcollideTestConfig = sketchcollide.Config{Timeout: 2 * time.Millisecond}

// TestSketchcollide_ParallelMatchesSequential runs the standard traces.
func TestSketchcollide_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[sketchcollide.Limiter](t, func() maestro.NF { return sketchcollide.New(sketchcollideTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return sketchcollide.NewParallel(sketchcollideTestConfig, cores)
		},
		advtest.Options{})
}

// TestSketchcollide_TrafficCatchesWrongPlan checks that the standard
// traffic exercises the pattern: per-core sketches sharded on SrcIP, the
// only key, must show.
func TestSketchcollide_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesPlan(t, advtest.Uniform(t), nil, func() maestro.NF { return sketchcollide.New(sketchcollideTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
