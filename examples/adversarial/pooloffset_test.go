//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/pooloffset"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// pooloffsetTestConfig expires state within the traces, so expiry is compared too.
var pooloffsetTestConfig = pooloffset.Config{Timeout: 2 * time.Millisecond}

// TestPooloffset_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestPooloffset_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	d := pooloffset.DefaultConfig()
	advtest.Check[pooloffset.NAT](t, func() maestro.NF { return pooloffset.New(pooloffsetTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return pooloffset.NewParallel(pooloffsetTestConfig, cores)
		},
		advtest.Options{
			NAT: &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: pooloffset.LAN, WAN: pooloffset.WAN, Timeout: int64(pooloffsetTestConfig.Timeout)},
			Extra: []maestrotest.Trace{
				advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, pooloffset.WAN, d.ExternalIP, d.StartPort, 512),
			}})
}
