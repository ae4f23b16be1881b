//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/addconst"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// addconstTestConfig expires state within the traces, so expiry is compared too.
var addconstTestConfig = addconst.Config{Timeout: 2 * time.Millisecond}

// TestAddconst_ParallelMatchesSequential runs the standard traces and clients from four adjacent /24s, so that rounding carries across them.
func TestAddconst_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[addconst.Limiter](t, func() maestro.NF { return addconst.New(addconstTestConfig) },
		func(cores int) (maestrotest.Parallel, error) { return addconst.NewParallel(addconstTestConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 10, Dst: 0x0b000000, DstBits: 8}),
		}})
}
