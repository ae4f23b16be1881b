//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/poolcross"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// poolcrossTestConfig expires state within the traces, so expiry is compared too.
var poolcrossTestConfig = poolcross.Config{Timeout: 2 * time.Millisecond}

// TestPoolcross_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestPoolcross_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	d := poolcross.DefaultConfig()
	advtest.Check[poolcross.NAT](t, func() maestro.NF { return poolcross.New(poolcrossTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return poolcross.NewParallel(poolcrossTestConfig, cores)
		},
		advtest.Options{
			NAT: &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: poolcross.LAN, WAN: poolcross.WAN, Timeout: int64(poolcrossTestConfig.Timeout)},
			Extra: []maestrotest.Trace{
				advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, poolcross.WAN, d.ExternalIP, d.StartPort, 512),
			}})
}
