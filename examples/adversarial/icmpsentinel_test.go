//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/icmpsentinel"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// icmpsentinelTestConfig expires state within the traces, so expiry is compared too.
var icmpsentinelTestConfig = icmpsentinel.Config{Timeout: 2 * time.Millisecond}

// TestIcmpsentinel_ParallelMatchesSequential runs the standard traces and one with ICMP from many clients mixed in.
func TestIcmpsentinel_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[icmpsentinel.Limiter](t, func() maestro.NF { return icmpsentinel.New(icmpsentinelTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return icmpsentinel.NewParallel(icmpsentinelTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.WithICMP(advtest.Generate(t, "udp", traffic.Config{Bidir: 0.5}), 4, 0),
		}})
}

// TestIcmpsentinel_TrafficCatchesWrongPlan checks that the extra trace exercises the
// pattern: sharding on SrcIP (the sentinel side of the phi dropped) must show.
func TestIcmpsentinel_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.WithICMP(advtest.Generate(t, "udp", traffic.Config{Bidir: 0.5}), 4, 0)
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return icmpsentinel.New(icmpsentinelTestConfig) }, advtest.Same(2, rss.Whole(rss.SrcIP))...)
}
