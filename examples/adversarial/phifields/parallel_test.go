//go:build !maestrogen

package phifields

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

// TestParallelMatchesSequential runs the standard traces and small pools of hosts that both send TCP and receive replies.
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[Limiter](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("pools", advtest.Pools{Src: 0x0a000000, SrcBits: 4, Dst: 0x0b000000, DstBits: 4, Replies: true}),
		}})
}

// TestTrafficCatchesWrongPlan checks that the extra trace exercises the
// pattern: sharding on SrcIP (one side of the phi) must show.
func TestTrafficCatchesWrongPlan(t *testing.T) {
	tr := advtest.SmallPools("pools", advtest.Pools{Src: 0x0a000000, SrcBits: 4, Dst: 0x0b000000, DstBits: 4, Replies: true})
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return New(testConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
