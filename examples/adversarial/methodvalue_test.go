//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/methodvalue"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// methodvalueTestConfig expires state within the traces, so expiry is compared too.
var methodvalueTestConfig = methodvalue.Config{Timeout: 2 * time.Millisecond}

func TestMethodvalue_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[methodvalue.FW](t, func() maestro.NF { return methodvalue.New(methodvalueTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return methodvalue.NewParallel(methodvalueTestConfig, cores)
		},
		advtest.Options{})
}
