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

// poolxorNAT describes the NF for advtest's NAT checks.
func poolxorNAT() advtest.NAT {
	d := poolxor.DefaultConfig()
	return advtest.NAT{LAN: poolxor.LAN, WAN: poolxor.WAN, ExternalIP: d.ExternalIP, StartPort: d.StartPort, Timeout: poolxorTestConfig.Timeout}
}

// TestPoolxor_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestPoolxor_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.CheckNAT[poolxor.NAT](t, poolxorNAT(), func() maestro.NF { return poolxor.New(poolxorTestConfig) },
		func(cores int) (maestrotest.Parallel, error) { return poolxor.NewParallel(poolxorTestConfig, cores) })
}
