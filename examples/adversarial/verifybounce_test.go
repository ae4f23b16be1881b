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

// TestVerifybounce_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifybounce_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	d := verifybounce.DefaultConfig()
	advtest.Check[verifybounce.NAT](t, func() maestro.NF { return verifybounce.New(verifybounceTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifybounce.NewParallel(verifybounceTestConfig, cores)
		},
		advtest.Options{
			NAT: &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: verifybounce.LAN, WAN: verifybounce.WAN, Timeout: int64(verifybounceTestConfig.Timeout)},
			Extra: []maestrotest.Trace{
				advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, verifybounce.WAN, d.ExternalIP, d.StartPort, 512),
			}})
}
