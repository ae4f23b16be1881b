//go:build !maestrogen

package freshmeetskey

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

var testConfig = Config{Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential runs the standard traces.
func TestParallelMatchesSequential(t *testing.T) {
	advtest.Check[Tagger](t, func() maestro.NF { return New(testConfig) },
		func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) },
		advtest.Options{})
}
