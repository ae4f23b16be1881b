//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/expiredefer"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// expiredeferTestConfig expires state within the traces, so expiry is compared too.
var expiredeferTestConfig = expiredefer.Config{Timeout: 2 * time.Millisecond}

// TestExpiredefer_ParallelMatchesSequential runs the standard traces and one where a
// single LAN flow keeps the NF busy while replies wait.
func TestExpiredefer_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[expiredefer.FW](t, func() maestro.NF { return expiredefer.New(expiredeferTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return expiredefer.NewParallel(expiredeferTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Heartbeat("heartbeat", int64(expiredeferTestConfig.Timeout), 0x10),
		}})
}
