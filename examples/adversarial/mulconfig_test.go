//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/mulconfig"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// mulconfigTestConfig expires state within the traces, so expiry is compared too.
var mulconfigTestConfig = mulconfig.Config{Timeout: 2 * time.Millisecond}

func TestMulconfig_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[mulconfig.Limiter](t, func() maestro.NF { return mulconfig.New(mulconfigTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return mulconfig.NewParallel(mulconfigTestConfig, cores)
		},
		advtest.Options{})
}

// TestMulconfig_TrafficCatchesWrongPlan checks that the uniform standard trace exercises the
// pattern: sharding on DstIP/8 (the multiplication taken for the identity) must show.
func TestMulconfig_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.Uniform(t)
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return mulconfig.New(mulconfigTestConfig) }, advtest.Same(2, rss.Prefix(rss.DstIP, 8))...)
}
