//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/indexverdict"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// indexverdictTestConfig expires entries within the traces, so indexes are
// taken again and again.
var indexverdictTestConfig = indexverdict.Config{Timeout: 2 * time.Millisecond}

// TestIndexverdict_ParallelMatchesSequential runs the standard traces.
func TestIndexverdict_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[indexverdict.Splitter](t, func() maestro.NF { return indexverdict.New(indexverdictTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return indexverdict.NewParallel(indexverdictTestConfig, cores)
		},
		advtest.Options{})
}

// TestIndexverdict_TrafficCatchesWrongPlan checks that the standard traffic
// exercises the pattern: sharding on SrcIP, the only key, must show.
func TestIndexverdict_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesPlan(t, advtest.Uniform(t), nil, func() maestro.NF { return indexverdict.New(indexverdictTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
