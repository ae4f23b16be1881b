//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/fieldbyfield"
	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// fieldbyfieldTestConfig expires state within the traces, so expiry is compared too.
var fieldbyfieldTestConfig = fieldbyfield.Config{Timeout: 2 * time.Millisecond}

func TestFieldbyfield_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[fieldbyfield.FW](t, func() maestro.NF { return fieldbyfield.New(fieldbyfieldTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return fieldbyfield.NewParallel(fieldbyfieldTestConfig, cores)
		},
		advtest.Options{})
}
