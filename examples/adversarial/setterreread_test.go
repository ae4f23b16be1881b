//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/setterreread"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// setterrereadTestConfig expires state within the traces, so expiry is compared too.
var setterrereadTestConfig = setterreread.Config{Timeout: 2 * time.Millisecond}

func TestSetterreread_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[setterreread.Limiter](t, func() maestro.NF { return setterreread.New(setterrereadTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return setterreread.NewParallel(setterrereadTestConfig, cores)
		},
		advtest.Options{})
}
