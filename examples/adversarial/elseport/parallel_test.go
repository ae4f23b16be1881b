//go:build !maestrogen

package elseport

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// testConfig expires state within the traces, so expiry is compared too.
var testConfig = Config{Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential: flows open on LAN and DMZ, replies come
// back on WAN (port 2).
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[FW](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{NoStandard: true, Extra: []maestrotest.Trace{
			advtest.Generate(t, "lan+dmz", traffic.Config{Ports: 3, Bidir: 1, Proto: traffic.Mix}),
		}})
}
