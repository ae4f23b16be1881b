//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/thirdport"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// thirdportTestConfig expires state within the traces, so expiry is compared too.
var thirdportTestConfig = thirdport.Config{Timeout: 2 * time.Millisecond}

// TestThirdport_ParallelMatchesSequential: besides the standard traces, replies from
// servers with odd addresses come back on port 2.
func TestThirdport_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[thirdport.FW](t, func() maestro.NF { return thirdport.New(thirdportTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return thirdport.NewParallel(thirdportTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.MovePort("port2", advtest.Bidir(t, "bidir"), advtest.OddServerMoves(0, 2)),
		}})
}
