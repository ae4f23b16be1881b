//go:build !maestrogen

package sharedglobal

import (
	"strings"
	"testing"
)

// TestRefusedAtConstruction: with two cores or more, every core's instance
// would hold the one package-level table.
func TestRefusedAtConstruction(t *testing.T) {
	for _, cores := range []int{2, 4} {
		if _, err := NewParallel(Config{}, cores); err == nil || !strings.Contains(err.Error(), "hold the same container") {
			t.Errorf("NewParallel(%d cores): %v", cores, err)
		}
	}
	if _, err := NewParallel(Config{}, 1); err != nil {
		t.Errorf("one core shares with nobody: %v", err)
	}
}
