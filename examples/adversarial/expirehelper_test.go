//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/expirehelper"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// expirehelperTestConfig expires state within the traces, so expiry is compared too.
var expirehelperTestConfig = expirehelper.Config{Timeout: 2 * time.Millisecond}

// TestExpirehelper_ParallelMatchesSequential runs the standard traces and one where a
// single LAN flow keeps the NF busy while replies wait.
func TestExpirehelper_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[expirehelper.FW](t, func() maestro.NF { return expirehelper.New(expirehelperTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return expirehelper.NewParallel(expirehelperTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Heartbeat("heartbeat", int64(expirehelperTestConfig.Timeout), 0x10),
		}})
}
