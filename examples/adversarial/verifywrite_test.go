//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/verifywrite"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// verifywriteTestConfig expires state within the traces, so expiry is compared too.
var verifywriteTestConfig = verifywrite.Config{Timeout: 2 * time.Millisecond}

// verifywriteNAT describes the NF for advtest's NAT checks.
func verifywriteNAT() advtest.NAT {
	d := verifywrite.DefaultConfig()
	return advtest.NAT{LAN: verifywrite.LAN, WAN: verifywrite.WAN, ExternalIP: d.ExternalIP, StartPort: d.StartPort, Timeout: verifywriteTestConfig.Timeout}
}

// TestVerifywrite_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifywrite_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.CheckNAT[verifywrite.NAT](t, verifywriteNAT(), func() maestro.NF { return verifywrite.New(verifywriteTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifywrite.NewParallel(verifywriteTestConfig, cores)
		})
}

// TestVerifywrite_TrafficCatchesWrongPlan checks that the spoofed trace exercises
// the pattern (advtest.CatchesServerSharding).
func TestVerifywrite_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesServerSharding(t, verifywriteNAT(), func() maestro.NF { return verifywrite.New(verifywriteTestConfig) })
}
