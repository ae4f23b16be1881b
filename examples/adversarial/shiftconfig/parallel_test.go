//go:build !maestrogen

package shiftconfig

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// testConfig expires state within the traces, so expiry is compared too.
var testConfig = Config{Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential runs the standard traces and clients from
// four adjacent /24s.
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[Limiter](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 10, Dst: 0x0b000000, DstBits: 8}),
		}})
}

// TestTrafficCatchesWrongPlan checks that the extra trace exercises the
// pattern: sharding on the whole SrcIP (the shift taken for the identity) must show.
func TestTrafficCatchesWrongPlan(t *testing.T) {
	tr := advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 10, Dst: 0x0b000000, DstBits: 8})
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return New(testConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
