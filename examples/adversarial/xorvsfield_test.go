//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/xorvsfield"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

var xorvsfieldTestConfig = xorvsfield.Config{Timeout: 2 * time.Millisecond}

// TestXorvsfield_ParallelMatchesSequential runs the standard traces.
func TestXorvsfield_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[xorvsfield.Mixer](t, func() maestro.NF { return xorvsfield.New(xorvsfieldTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return xorvsfield.NewParallel(xorvsfieldTestConfig, cores)
		},
		advtest.Options{})
}
