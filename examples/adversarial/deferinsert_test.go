//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/deferinsert"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// deferinsertTestConfig expires state within the traces, so expiry is compared too.
var deferinsertTestConfig = deferinsert.Config{Timeout: 2 * time.Millisecond}

func TestDeferinsert_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[deferinsert.FW](t, func() maestro.NF { return deferinsert.New(deferinsertTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return deferinsert.NewParallel(deferinsertTestConfig, cores)
		},
		advtest.Options{})
}
