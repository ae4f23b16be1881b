//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/stdhash"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// stdhashTestConfig expires flows within the traces, so they are pinned
// again and again.
var stdhashTestConfig = stdhash.Config{Timeout: 2 * time.Millisecond}

// TestStdhash_ParallelMatchesSequential runs the standard traces.
func TestStdhash_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[stdhash.LB](t, func() maestro.NF { return stdhash.New(stdhashTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return stdhash.NewParallel(stdhashTestConfig, cores)
		},
		advtest.Options{})
}
