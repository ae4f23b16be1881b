//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/xorfields"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// xorfieldsTestConfig expires state within the traces, so expiry is compared too.
var xorfieldsTestConfig = xorfields.Config{Timeout: 2 * time.Millisecond}

func TestXorfields_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[xorfields.Limiter](t, func() maestro.NF { return xorfields.New(xorfieldsTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return xorfields.NewParallel(xorfieldsTestConfig, cores)
		},
		advtest.Options{})
}

// TestXorfields_TrafficCatchesWrongPlan checks that the uniform standard trace exercises the
// pattern: sharding on the low byte of SrcIP (the XOR taken for its first operand) must show.
func TestXorfields_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.Uniform(t)
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return xorfields.New(xorfieldsTestConfig) }, advtest.Same(2, rss.Bits{Field: rss.SrcIP, Mask: 0xff})...)
}
