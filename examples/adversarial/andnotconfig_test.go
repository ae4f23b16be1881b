//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/andnotconfig"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// andnotconfigTestConfig expires state within the traces, so expiry is compared too.
var andnotconfigTestConfig = andnotconfig.Config{Timeout: 2 * time.Millisecond}

// TestAndnotconfig_ParallelMatchesSequential runs the standard traces and servers from four adjacent /24s.
func TestAndnotconfig_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[andnotconfig.Limiter](t, func() maestro.NF { return andnotconfig.New(andnotconfigTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return andnotconfig.NewParallel(andnotconfigTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 8, Dst: 0x0b000000, DstBits: 10}),
		}})
}

// TestAndnotconfig_TrafficCatchesWrongPlan checks that the extra trace exercises the
// pattern: sharding on the whole DstIP (the &^ taken for the identity) must show.
func TestAndnotconfig_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.SmallPools("4x24", advtest.Pools{Src: 0x0a000000, SrcBits: 8, Dst: 0x0b000000, DstBits: 10})
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return andnotconfig.New(andnotconfigTestConfig) }, advtest.Same(2, rss.Whole(rss.DstIP))...)
}
