//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/portphi"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// portphiTestConfig expires state within the traces, so expiry is compared too.
var portphiTestConfig = portphi.Config{Timeout: 2 * time.Millisecond}

// TestPortphi_ParallelMatchesSequential runs the standard traces and
// bidirectional flows.
func TestPortphi_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[portphi.Meter](t, func() maestro.NF { return portphi.New(portphiTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return portphi.NewParallel(portphiTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{advtest.Bidir(t, "bidir")}})
}

// TestPortphi_TrafficCatchesWrongPlan checks that the bidirectional
// traffic exercises the pattern: the LAN key on both ports (a merge that
// ignored the reversal) must show.
func TestPortphi_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tuple := []rss.Bits{rss.Whole(rss.SrcIP), rss.Whole(rss.DstIP), rss.Whole(rss.SrcPort), rss.Whole(rss.DstPort)}
	advtest.CatchesPlan(t, advtest.Bidir(t, "bidir"), nil, func() maestro.NF { return portphi.New(portphiTestConfig) }, advtest.Same(2, tuple...)...)
}
