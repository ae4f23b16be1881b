//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/expirecount"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// expirecountTestConfig expires hosts within the traces, so the count
// Expire returns is often non-zero.
var expirecountTestConfig = expirecount.Config{Timeout: 2 * time.Millisecond}

// TestExpirecount_ParallelMatchesSequential runs the standard traces.
func TestExpirecount_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[expirecount.Gate](t, func() maestro.NF { return expirecount.New(expirecountTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return expirecount.NewParallel(expirecountTestConfig, cores)
		},
		advtest.Options{})
}

// TestExpirecount_TrafficCatchesWrongPlan checks that the standard traffic
// exercises the pattern: sharding on SrcIP, the only key, must show.
func TestExpirecount_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesPlan(t, advtest.Uniform(t), nil, func() maestro.NF { return expirecount.New(expirecountTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
