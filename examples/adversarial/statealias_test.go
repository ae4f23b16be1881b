//go:build !maestrogen

package adversarial_test

import (
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/examples/adversarial/statealias"
)

// TestStatealias_RefusedAtConstruction: the parallel NF must not be built, shared-
// nothing or locked, at any core count.
func TestStatealias_RefusedAtConstruction(t *testing.T) {
	t.Parallel()
	for _, cores := range []int{1, 2, 4} {
		if _, err := statealias.NewParallel(statealias.Config{}, cores); err == nil || !strings.Contains(err.Error(), "hold the same container") {
			t.Errorf("NewParallel(%d cores): %v", cores, err)
		}
		if _, err := statealias.NewLocked(statealias.Config{}, cores); err == nil || !strings.Contains(err.Error(), "hold the same container") {
			t.Errorf("NewLocked(%d cores): %v", cores, err)
		}
	}
}
