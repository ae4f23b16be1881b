//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/poolxor"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// poolxorTestConfig expires state within the traces, so expiry is compared too.
var poolxorTestConfig = poolxor.Config{Timeout: 2 * time.Millisecond}

// TestPoolxor_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestPoolxor_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	d := poolxor.DefaultConfig()
	advtest.Check[poolxor.NAT](t, func() maestro.NF { return poolxor.New(poolxorTestConfig) },
		func(cores int) (maestrotest.Parallel, error) { return poolxor.NewParallel(poolxorTestConfig, cores) },
		advtest.Options{
			NAT: &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: poolxor.LAN, WAN: poolxor.WAN, Timeout: int64(poolxorTestConfig.Timeout)},
			Extra: []maestrotest.Trace{
				advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, poolxor.WAN, d.ExternalIP, d.StartPort, 512),
			}})
}
