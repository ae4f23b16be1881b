//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/configlookupkey"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// configlookupkeyTestConfig expires state within the traces, so expiry is compared too.
var configlookupkeyTestConfig = configlookupkey.Config{Timeout: 2 * time.Millisecond}

func TestConfiglookupkey_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[configlookupkey.Limiter](t, func() maestro.NF { return configlookupkey.New(configlookupkeyTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return configlookupkey.NewParallel(configlookupkeyTestConfig, cores)
		},
		advtest.Options{})
}

// TestConfiglookupkey_TrafficCatchesWrongPlan checks that the uniform standard trace exercises the
// pattern: sharding on the high byte of DstPort (the lookup taken for its index) must show.
func TestConfiglookupkey_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	tr := advtest.Uniform(t)
	advtest.CatchesPlan(t, tr, nil, func() maestro.NF { return configlookupkey.New(configlookupkeyTestConfig) }, advtest.Same(2, rss.Bits{Field: rss.DstPort, Mask: 0xff00})...)
}
