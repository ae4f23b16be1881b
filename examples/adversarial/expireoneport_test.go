//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/expireoneport"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// expireoneportTestConfig expires state within the traces, so expiry is compared too.
var expireoneportTestConfig = expireoneport.Config{Timeout: 2 * time.Millisecond}

// TestExpireoneport_ParallelMatchesSequential runs the standard traces and one where a
// single TCP SYN flow keeps expiring while replies wait.
func TestExpireoneport_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[expireoneport.FW](t, func() maestro.NF { return expireoneport.New(expireoneportTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return expireoneport.NewParallel(expireoneportTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Heartbeat("heartbeat", int64(expireoneportTestConfig.Timeout), 0x02),
		}})
}
