//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/allocindex"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// allocindexTestConfig expires state within the traces, so expiry is compared too.
var allocindexTestConfig = allocindex.Config{Timeout: 2 * time.Millisecond}

func TestAllocindex_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[allocindex.Meter](t, func() maestro.NF { return allocindex.New(allocindexTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return allocindex.NewParallel(allocindexTestConfig, cores)
		},
		advtest.Options{})
}
