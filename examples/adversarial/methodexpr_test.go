//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/methodexpr"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// methodexprTestConfig expires state within the traces, so expiry is compared too.
var methodexprTestConfig = methodexpr.Config{Timeout: 2 * time.Millisecond}

func TestMethodexpr_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[methodexpr.FW](t, func() maestro.NF { return methodexpr.New(methodexprTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return methodexpr.NewParallel(methodexprTestConfig, cores)
		},
		advtest.Options{})
}
