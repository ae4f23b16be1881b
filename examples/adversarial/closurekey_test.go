//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/closurekey"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// closurekeyTestConfig expires state within the traces, so expiry is compared too.
var closurekeyTestConfig = closurekey.Config{Timeout: 2 * time.Millisecond}

// TestClosurekey_ParallelMatchesSequential runs the standard traces and a fully bidirectional one.
func TestClosurekey_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[closurekey.FW](t, func() maestro.NF { return closurekey.New(closurekeyTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return closurekey.NewParallel(closurekeyTestConfig, cores)
		},
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Bidir(t, "allbidir"),
		}})
}
