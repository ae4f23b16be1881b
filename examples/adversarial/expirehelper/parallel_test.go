//go:build !maestrogen

package expirehelper

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// testConfig expires state within the traces, so expiry is compared too.
var testConfig = Config{Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential runs the standard traces and one where a
// single LAN flow keeps the NF busy while replies wait.
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[FW](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Heartbeat("heartbeat", int64(testConfig.Timeout), 0x10),
		}})
}
