//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/switchdefault"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// switchdefaultTestConfig expires state within the traces, so expiry is compared too.
var switchdefaultTestConfig = switchdefault.Config{Timeout: 2 * time.Millisecond}

// TestSwitchdefault_ParallelMatchesSequential: besides the standard traces, replies from
// servers with odd addresses come back on port 2.
func TestSwitchdefault_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[switchdefault.FW](t, func() maestro.NF { return switchdefault.New(switchdefaultTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return switchdefault.NewParallel(switchdefaultTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.MovePort("port2", advtest.Bidir(t, "bidir"), advtest.OddServerMoves(0, 2)),
		}})
}
