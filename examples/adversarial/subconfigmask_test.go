//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/subconfigmask"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// subconfigmaskTestConfig expires state within the traces, so expiry is compared too.
var subconfigmaskTestConfig = subconfigmask.Config{Timeout: 2 * time.Millisecond}

// TestSubconfigmask_ParallelMatchesSequential runs the standard traces and clients from
// four adjacent /24s.
func TestSubconfigmask_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[subconfigmask.Limiter](t, func() maestro.NF { return subconfigmask.New(subconfigmaskTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return subconfigmask.NewParallel(subconfigmaskTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 10, Dst: 0x0b000000, DstBits: 8}),
		}})
}
