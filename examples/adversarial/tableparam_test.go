//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/tableparam"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// tableparamTestConfig expires state within the traces, so expiry is compared too.
var tableparamTestConfig = tableparam.Config{Timeout: 2 * time.Millisecond}

func TestTableparam_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[tableparam.FW](t, func() maestro.NF { return tableparam.New(tableparamTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return tableparam.NewParallel(tableparamTestConfig, cores)
		},
		advtest.Options{})
}
