//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/verifyforward"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// verifyforwardTestConfig expires state within the traces, so expiry is compared too.
var verifyforwardTestConfig = verifyforward.Config{Timeout: 2 * time.Millisecond}

// verifyforwardNAT describes the NF for advtest's NAT checks.
func verifyforwardNAT() advtest.NAT {
	d := verifyforward.DefaultConfig()
	return advtest.NAT{LAN: verifyforward.LAN, WAN: verifyforward.WAN, ExternalIP: d.ExternalIP, StartPort: d.StartPort, Timeout: verifyforwardTestConfig.Timeout}
}

// TestVerifyforward_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifyforward_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.CheckNAT[verifyforward.NAT](t, verifyforwardNAT(), func() maestro.NF { return verifyforward.New(verifyforwardTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifyforward.NewParallel(verifyforwardTestConfig, cores)
		})
}
