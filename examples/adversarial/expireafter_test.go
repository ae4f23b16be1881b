//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/expireafter"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// expireafterTestConfig expires state within the traces, so expiry is compared too.
var expireafterTestConfig = expireafter.Config{Timeout: 2 * time.Millisecond}

// TestExpireafter_ParallelMatchesSequential runs the standard traces and one where a
// single TCP SYN flow keeps expiring while replies wait.
func TestExpireafter_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[expireafter.FW](t, func() maestro.NF { return expireafter.New(expireafterTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return expireafter.NewParallel(expireafterTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Heartbeat("heartbeat", int64(expireafterTestConfig.Timeout), 0x02),
		}})
}
