//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/localstruct"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// localstructTestConfig expires state within the traces, so expiry is compared too.
var localstructTestConfig = localstruct.Config{Timeout: 2 * time.Millisecond}

func TestLocalstruct_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[localstruct.FW](t, func() maestro.NF { return localstruct.New(localstructTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return localstruct.NewParallel(localstructTestConfig, cores)
		},
		advtest.Options{})
}
