//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/portfield"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// portfieldTestConfig expires state within the traces, so expiry is compared too.
var portfieldTestConfig = portfield.Config{Timeout: 2 * time.Millisecond}

// TestPortfield_ParallelMatchesSequential runs the standard traces and
// small pools of hosts with replies.
func TestPortfield_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[portfield.Limiter](t, func() maestro.NF { return portfield.New(portfieldTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return portfield.NewParallel(portfieldTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("pools", advtest.Pools{Src: 0x0a000000, SrcBits: 8, Dst: 0x0b000000, DstBits: 8, Replies: true}),
		}})
}

// TestPortfield_TrafficCatchesWrongPlan checks that the replies exercise
// the pattern: the LAN's store (SrcIP) kept on both ports must show.
func TestPortfield_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.SmallPools("pools", advtest.Pools{Src: 0x0a000000, SrcBits: 8, Dst: 0x0b000000, DstBits: 8, Replies: true})
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return portfield.New(portfieldTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
