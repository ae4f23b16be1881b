//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/elseport"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// elseportTestConfig expires state within the traces, so expiry is compared too.
var elseportTestConfig = elseport.Config{Timeout: 2 * time.Millisecond}

// TestElseport_ParallelMatchesSequential: flows open on LAN and DMZ, replies come
// back on WAN (port 2).
func TestElseport_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[elseport.FW](t, func() maestro.NF { return elseport.New(elseportTestConfig) },
		func(cores int) (maestrotest.Parallel, error) { return elseport.NewParallel(elseportTestConfig, cores) },
		advtest.Options{NoStandard: true, Extra: []maestrotest.Trace{
			advtest.Generate(t, "lan+dmz", traffic.Config{Ports: 3, Bidir: 1, Proto: traffic.Mix}),
		}})
}
