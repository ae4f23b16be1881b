//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/allocstored"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// allocstoredTestConfig expires entries within the traces, so indexes are
// taken again and again.
var allocstoredTestConfig = allocstored.Config{Timeout: 2 * time.Millisecond}

// TestAllocstored_ParallelMatchesSequential runs the standard traces.
func TestAllocstored_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[allocstored.Mapper](t, func() maestro.NF { return allocstored.New(allocstoredTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return allocstored.NewParallel(allocstoredTestConfig, cores)
		},
		advtest.Options{})
}

// TestAllocstored_TrafficCatchesWrongPlan checks that the standard traffic
// exercises the pattern: sharding on SrcIP, the only key, must show.
func TestAllocstored_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesPlan(t, advtest.Uniform(t), nil, func() maestro.NF { return allocstored.New(allocstoredTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
