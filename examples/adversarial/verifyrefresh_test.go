//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/verifyrefresh"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// verifyrefreshTestConfig expires state within the traces, so expiry is compared too.
var verifyrefreshTestConfig = verifyrefresh.Config{Timeout: 2 * time.Millisecond}

// verifyrefreshNAT describes the NF for advtest's NAT checks.
func verifyrefreshNAT() advtest.NAT {
	d := verifyrefresh.DefaultConfig()
	return advtest.NAT{LAN: verifyrefresh.LAN, WAN: verifyrefresh.WAN, ExternalIP: d.ExternalIP, StartPort: d.StartPort, Timeout: verifyrefreshTestConfig.Timeout}
}

// TestVerifyrefresh_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifyrefresh_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.CheckNAT[verifyrefresh.NAT](t, verifyrefreshNAT(), func() maestro.NF { return verifyrefresh.New(verifyrefreshTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifyrefresh.NewParallel(verifyrefreshTestConfig, cores)
		})
}

// TestVerifyrefresh_TrafficCatchesWrongPlan checks that the spoofed trace exercises
// the pattern (advtest.CatchesServerSharding).
func TestVerifyrefresh_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	advtest.CatchesServerSharding(t, verifyrefreshNAT(), func() maestro.NF { return verifyrefresh.New(verifyrefreshTestConfig) })
}
