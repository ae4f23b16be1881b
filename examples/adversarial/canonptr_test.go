//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/canonptr"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// canonptrTestConfig expires state within the traces, so expiry is compared too.
var canonptrTestConfig = canonptr.Config{Timeout: 2 * time.Millisecond}

// TestCanonptr_ParallelMatchesSequential runs the standard traces and a fully bidirectional one.
func TestCanonptr_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[canonptr.FW](t, func() maestro.NF { return canonptr.New(canonptrTestConfig) },
		func(cores int) (maestrotest.Parallel, error) { return canonptr.NewParallel(canonptrTestConfig, cores) },
		advtest.Options{Extra: []maestrotest.Trace{
			advtest.Bidir(t, "allbidir"),
		}})
}
