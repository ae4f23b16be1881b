//go:build !maestrogen

package thirdport

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// testConfig expires state within the traces, so expiry is compared too.
var testConfig = Config{Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential: besides the standard traces, replies from
// servers with odd addresses come back on port 2.
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[FW](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.MovePort("port2", advtest.Bidir(t, "bidir"), advtest.OddServerMoves(0, 2)),
		}})
}
