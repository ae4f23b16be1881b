//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/freshmeetskey"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

var freshmeetskeyTestConfig = freshmeetskey.Config{Timeout: 2 * time.Millisecond}

// TestFreshmeetskey_ParallelMatchesSequential runs the standard traces.
func TestFreshmeetskey_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[freshmeetskey.Tagger](t, func() maestro.NF { return freshmeetskey.New(freshmeetskeyTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return freshmeetskey.NewParallel(freshmeetskeyTestConfig, cores)
		},
		advtest.Options{})
}
