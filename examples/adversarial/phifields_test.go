//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/phifields"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// phifieldsTestConfig expires state within the traces, so expiry is compared too.
var phifieldsTestConfig = phifields.Config{Timeout: 2 * time.Millisecond}

// TestPhifields_ParallelMatchesSequential runs the standard traces and small pools of hosts that both send TCP and receive replies.
func TestPhifields_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[phifields.Limiter](t, func() maestro.NF { return phifields.New(phifieldsTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return phifields.NewParallel(phifieldsTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("pools", advtest.Pools{Src: 0x0a000000, SrcBits: 4, Dst: 0x0b000000, DstBits: 4, Replies: true}),
		}})
}

// TestPhifields_TrafficCatchesWrongPlan checks that the extra trace exercises the
// pattern: sharding on SrcIP (one side of the phi) must show.
func TestPhifields_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.SmallPools("pools", advtest.Pools{Src: 0x0a000000, SrcBits: 4, Dst: 0x0b000000, DstBits: 4, Replies: true})
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return phifields.New(phifieldsTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
