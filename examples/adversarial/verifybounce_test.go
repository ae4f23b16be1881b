//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/verifybounce"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// verifybounceTestConfig expires state within the traces, so expiry is compared too.
var verifybounceTestConfig = verifybounce.Config{Timeout: 2 * time.Millisecond}

// verifybounceNAT describes the NF for advtest's NAT checks.
func verifybounceNAT() advtest.NAT {
	d := verifybounce.DefaultConfig()
	return advtest.NAT{LAN: verifybounce.LAN, WAN: verifybounce.WAN, ExternalIP: d.ExternalIP, StartPort: d.StartPort, Timeout: verifybounceTestConfig.Timeout}
}

// TestVerifybounce_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifybounce_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.CheckNAT[verifybounce.NAT](t, verifybounceNAT(), func() maestro.NF { return verifybounce.New(verifybounceTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifybounce.NewParallel(verifybounceTestConfig, cores)
		})
}
