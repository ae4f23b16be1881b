//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/arraykey24"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// arraykey24TestConfig expires state within the traces, so expiry is compared too.
var arraykey24TestConfig = arraykey24.Config{Timeout: 2 * time.Millisecond}

// TestArraykey24_ParallelMatchesSequential runs the standard traces and clients from 64 adjacent /24s.
func TestArraykey24_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[arraykey24.Limiter](t, func() maestro.NF { return arraykey24.New(arraykey24TestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return arraykey24.NewParallel(arraykey24TestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("64x24", advtest.Pools{Src: 0x0a000000, SrcBits: 14, Dst: 0x0b000000, DstBits: 8}),
		}})
}

// TestArraykey24_TrafficCatchesWrongPlan checks that the extra trace exercises the
// pattern: sharding on the whole SrcIP (the element store missed) must show.
func TestArraykey24_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.SmallPools("64x24", advtest.Pools{Src: 0x0a000000, SrcBits: 14, Dst: 0x0b000000, DstBits: 8})
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return arraykey24.New(arraykey24TestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
