//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/generichelper"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// generichelperTestConfig expires state within the traces, so expiry is compared too.
var generichelperTestConfig = generichelper.Config{Timeout: 2 * time.Millisecond}

func TestGenerichelper_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[generichelper.FW](t, func() maestro.NF { return generichelper.New(generichelperTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return generichelper.NewParallel(generichelperTestConfig, cores)
		},
		advtest.Options{})
}
