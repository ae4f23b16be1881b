//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/configport"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// configportTestConfig expires state within the traces, so expiry is compared too.
var configportTestConfig = configport.Config{Timeout: 2 * time.Millisecond}

func TestConfigport_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[configport.FW](t, func() maestro.NF { return configport.New(configportTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return configport.NewParallel(configportTestConfig, cores)
		},
		advtest.Options{})
}
