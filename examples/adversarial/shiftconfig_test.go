//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/shiftconfig"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// shiftconfigTestConfig expires state within the traces, so expiry is compared too.
var shiftconfigTestConfig = shiftconfig.Config{Timeout: 2 * time.Millisecond}

// TestShiftconfig_ParallelMatchesSequential runs the standard traces and clients from
// four adjacent /24s.
func TestShiftconfig_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[shiftconfig.Limiter](t, func() maestro.NF { return shiftconfig.New(shiftconfigTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return shiftconfig.NewParallel(shiftconfigTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 10, Dst: 0x0b000000, DstBits: 8}),
		}})
}

// TestShiftconfig_TrafficCatchesWrongPlan checks that the extra trace exercises the
// pattern: sharding on the whole SrcIP (the shift taken for the identity) must show.
func TestShiftconfig_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 10, Dst: 0x0b000000, DstBits: 8})
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return shiftconfig.New(shiftconfigTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
