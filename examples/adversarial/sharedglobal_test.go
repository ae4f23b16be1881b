//go:build !maestrogen

package adversarial_test

import (
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/examples/adversarial/sharedglobal"
)

// TestSharedglobal_RefusedAtConstruction: with two cores or more, every core's instance
// would hold the one package-level table.
func TestSharedglobal_RefusedAtConstruction(t *testing.T) {
	t.Parallel()
	for _, cores := range []int{2, 4} {
		if _, err := sharedglobal.NewParallel(sharedglobal.Config{}, cores); err == nil || !strings.Contains(err.Error(), "hold the same container") {
			t.Errorf("NewParallel(%d cores): %v", cores, err)
		}
	}
	if _, err := sharedglobal.NewParallel(sharedglobal.Config{}, 1); err != nil {
		t.Errorf("one core shares with nobody: %v", err)
	}
}
