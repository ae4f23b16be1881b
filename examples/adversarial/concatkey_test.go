//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/concatkey"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// concatkeyTestConfig expires state within the traces, so expiry is compared too.
var concatkeyTestConfig = concatkey.Config{Timeout: 2 * time.Millisecond}

// TestConcatkey_ParallelMatchesSequential runs the standard traces and
// bidirectional flows.
func TestConcatkey_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[concatkey.Limiter](t, func() maestro.NF { return concatkey.New(concatkeyTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return concatkey.NewParallel(concatkeyTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{advtest.Bidir(t, "bidir")}})
}

// TestConcatkey_TrafficCatchesWrongPlan checks that the replies exercise
// the pattern: pairing the terms by field (SrcIP with SrcIP, DstIP with
// DstIP on both ports) must show.
func TestConcatkey_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesPlan(t, advtest.Bidir(t, "bidir"), nil, func() maestro.NF { return concatkey.New(concatkeyTestConfig) },
		advtest.Same(2, rss.Whole(rss.SrcIP), rss.Whole(rss.DstIP))...)
}
