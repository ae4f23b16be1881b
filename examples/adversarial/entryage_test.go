//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/entryage"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// entryageTestConfig expires sources within the traces; MaxIdle is the
// default, about the gap between two packets of a host in them.
var entryageTestConfig = entryage.Config{Timeout: 2 * time.Millisecond}

// TestEntryage_ParallelMatchesSequential runs the standard traces: the
// concurrent runs compare with the sequential NF on the recorded
// serialisation, which a Time that read other cores' private stamps in a
// read pass breaks.
func TestEntryage_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[entryage.Gate](t, func() maestro.NF { return entryage.New(entryageTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return entryage.NewParallel(entryageTestConfig, cores)
		},
		advtest.Options{})
}
