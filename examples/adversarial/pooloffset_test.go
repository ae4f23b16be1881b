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

// pooloffsetNAT describes the NF for advtest's NAT checks.
func pooloffsetNAT() advtest.NAT {
	d := pooloffset.DefaultConfig()
	return advtest.NAT{LAN: pooloffset.LAN, WAN: pooloffset.WAN, ExternalIP: d.ExternalIP, StartPort: d.StartPort, Timeout: pooloffsetTestConfig.Timeout}
}

// TestPooloffset_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestPooloffset_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.CheckNAT[pooloffset.NAT](t, pooloffsetNAT(), func() maestro.NF { return pooloffset.New(pooloffsetTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return pooloffset.NewParallel(pooloffsetTestConfig, cores)
		})
}
