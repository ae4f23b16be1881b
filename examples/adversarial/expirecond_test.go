//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/expirecond"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// expirecondTestConfig expires state within the traces, so expiry is compared too.
var expirecondTestConfig = expirecond.Config{Timeout: 2 * time.Millisecond}

// TestExpirecond_ParallelMatchesSequential runs the standard traces and one where a
// single TCP SYN flow keeps expiring while replies wait.
func TestExpirecond_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[expirecond.FW](t, func() maestro.NF { return expirecond.New(expirecondTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return expirecond.NewParallel(expirecondTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Heartbeat("heartbeat", int64(expirecondTestConfig.Timeout), 0x02),
		}})
}
