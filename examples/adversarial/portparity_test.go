//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/portparity"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// portparityTestConfig expires state within the traces, so expiry is compared too.
var portparityTestConfig = portparity.Config{Timeout: 2 * time.Millisecond}

// TestPortparity_ParallelMatchesSequential: besides the standard traces, the replies
// of servers with odd addresses enter port 3, the second outside port.
func TestPortparity_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[portparity.FW](t, func() maestro.NF { return portparity.New(portparityTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return portparity.NewParallel(portparityTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.MovePort("port3", advtest.Bidir(t, "bidir"), advtest.OddServerMoves(0, 3)),
		},
			// The NF pairs ports 2 and 3: port-2 packets go out on port 3,
			// which a 3-port trace does not have. The port3 trace covers
			// ports 2 and 3.
			Skip: map[string]string{maestrotest.TraceHostile3Port: "forwards port 2 to port 3, which the 3-port trace lacks"},
		})
}
