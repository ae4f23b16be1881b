//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/minusonekey"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// minusonekeyTestConfig expires state within the traces, so expiry is compared too.
var minusonekeyTestConfig = minusonekey.Config{Timeout: 2 * time.Millisecond}

// TestMinusonekey_ParallelMatchesSequential runs the standard traces and one with ICMP from many clients mixed in.
func TestMinusonekey_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[minusonekey.Limiter](t, func() maestro.NF { return minusonekey.New(minusonekeyTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return minusonekey.NewParallel(minusonekeyTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.WithICMP(advtest.Generate(t, "udp", traffic.Config{Bidir: 0.5}), 4, 0),
		}})
}
