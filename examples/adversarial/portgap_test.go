//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/portgap"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// portgapTestConfig expires state within the traces, so expiry is compared too.
var portgapTestConfig = portgap.Config{Timeout: 2 * time.Millisecond}

// TestPortgap_ParallelMatchesSequential runs the standard traces, whose
// port 0 packets must follow the default port's configuration.
func TestPortgap_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	advtest.Check[portgap.Limiter](t, func() maestro.NF { return portgap.New(portgapTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return portgap.NewParallel(portgapTestConfig, cores)
		},
		advtest.Options{})
}

// TestPortgap_NoConfigOfItsOwn: port 0 has no RSS configuration of its
// own, so the default port's applies to it.
func TestPortgap_NoConfigOfItsOwn(t *testing.T) {
	t.Parallel()
	par, err := portgap.NewParallel(portgapTestConfig, 4)
	if err != nil {
		t.Fatal(err)
	}
	def := false
	for _, c := range par.RSS() {
		if c.Port == 0 && !c.Default {
			t.Errorf("port 0 has a configuration of its own: %+v", c)
		}
		def = def || c.Default
	}
	if !def {
		t.Error("no default configuration")
	}
}
