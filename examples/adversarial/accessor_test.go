//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/accessor"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// accessorTestConfig expires state within the traces, so expiry is compared too.
var accessorTestConfig = accessor.Config{Timeout: 2 * time.Millisecond}

func TestAccessor_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[accessor.FW](t, func() maestro.NF { return accessor.New(accessorTestConfig) },
		func(cores int) (maestrotest.Parallel, error) { return accessor.NewParallel(accessorTestConfig, cores) },
		advtest.Options{})
}
