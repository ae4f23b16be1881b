//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/indexrewrite"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// indexrewriteTestConfig expires entries within the traces, so indexes are
// taken again and again.
var indexrewriteTestConfig = indexrewrite.Config{Timeout: 2 * time.Millisecond}

// TestIndexrewrite_ParallelMatchesSequential runs the standard traces.
func TestIndexrewrite_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[indexrewrite.Tagger](t, func() maestro.NF { return indexrewrite.New(indexrewriteTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return indexrewrite.NewParallel(indexrewriteTestConfig, cores)
		},
		advtest.Options{})
}

// TestIndexrewrite_TrafficCatchesWrongPlan checks that the standard traffic
// exercises the pattern: sharding on SrcIP, the only key, must show.
func TestIndexrewrite_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesPlan(t, advtest.Uniform(t), nil, func() maestro.NF { return indexrewrite.New(indexrewriteTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
