//go:build !maestrogen

package statealias

import (
	"strings"
	"testing"
)

// TestRefusedAtConstruction: the parallel NF must not be built, shared-
// nothing or locked, at any core count.
func TestRefusedAtConstruction(t *testing.T) {
	for _, cores := range []int{1, 2, 4} {
		if _, err := NewParallel(Config{}, cores); err == nil || !strings.Contains(err.Error(), "hold the same container") {
			t.Errorf("NewParallel(%d cores): %v", cores, err)
		}
		if _, err := NewLocked(Config{}, cores); err == nil || !strings.Contains(err.Error(), "hold the same container") {
			t.Errorf("NewLocked(%d cores): %v", cores, err)
		}
	}
}
