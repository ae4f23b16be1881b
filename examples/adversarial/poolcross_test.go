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

// poolcrossNAT describes the NF for advtest's NAT checks.
func poolcrossNAT() advtest.NAT {
	d := poolcross.DefaultConfig()
	return advtest.NAT{LAN: poolcross.LAN, WAN: poolcross.WAN, ExternalIP: d.ExternalIP, StartPort: d.StartPort, Timeout: poolcrossTestConfig.Timeout}
}

// TestPoolcross_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestPoolcross_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.CheckNAT[poolcross.NAT](t, poolcrossNAT(), func() maestro.NF { return poolcross.New(poolcrossTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return poolcross.NewParallel(poolcrossTestConfig, cores)
		})
}
