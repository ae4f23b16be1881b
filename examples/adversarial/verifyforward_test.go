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

// TestVerifyforward_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifyforward_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	d := verifyforward.DefaultConfig()
	advtest.Check[verifyforward.NAT](t, func() maestro.NF { return verifyforward.New(verifyforwardTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifyforward.NewParallel(verifyforwardTestConfig, cores)
		},
		advtest.Options{
			NAT: &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: verifyforward.LAN, WAN: verifyforward.WAN, Timeout: int64(verifyforwardTestConfig.Timeout)},
			Extra: []maestrotest.Trace{
				advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, verifyforward.WAN, d.ExternalIP, d.StartPort, 512),
			}})
}
