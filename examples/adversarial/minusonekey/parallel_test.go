//go:build !maestrogen

package minusonekey

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// testConfig expires state within the traces, so expiry is compared too.
var testConfig = Config{Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential runs the standard traces and one with ICMP from many clients mixed in.
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[Limiter](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.WithICMP(advtest.Generate(t, "udp", traffic.Config{Bidir: 0.5}), 4, 0),
		}})
}
