//go:build !maestrogen

package portparity

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// testConfig expires state within the traces, so expiry is compared too.
var testConfig = Config{Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential: besides the standard traces, the replies
// of servers with odd addresses enter port 3, the second outside port.
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[FW](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.MovePort("port3", advtest.Bidir(t, "bidir"), advtest.OddServerMoves(0, 3)),
		},
			// The NF pairs ports 2 and 3: port-2 packets go out on port 3,
			// which a 3-port trace does not have. The port3 trace covers
			// ports 2 and 3.
			Skip: map[string]string{maestrotest.TraceHostile3Port: "forwards port 2 to port 3, which the 3-port trace lacks"},
		})
}
