//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/pkthelper"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// pkthelperTestConfig expires state within the traces, so expiry is compared too.
var pkthelperTestConfig = pkthelper.Config{Timeout: 2 * time.Millisecond}

func TestPkthelper_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[pkthelper.FW](t, func() maestro.NF { return pkthelper.New(pkthelperTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return pkthelper.NewParallel(pkthelperTestConfig, cores)
		},
		advtest.Options{})
}
