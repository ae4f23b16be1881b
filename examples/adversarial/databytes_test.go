//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/databytes"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// databytesTestConfig expires state within the traces, so expiry is compared too.
var databytesTestConfig = databytes.Config{Timeout: 2 * time.Millisecond}

func TestDatabytes_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[databytes.Limiter](t, func() maestro.NF { return databytes.New(databytesTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return databytes.NewParallel(databytesTestConfig, cores)
		},
		advtest.Options{})
}
