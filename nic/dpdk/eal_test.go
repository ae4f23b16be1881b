//go:build dpdk

package dpdk

import (
	"strings"
	"testing"
)

// A bad EAL command line must come back as an error carrying DPDK's reason
// and the hint, not crash the process.
func TestInitBadArgs(t *testing.T) {
	inChild(t, func(t *testing.T) {
		err := Init(append(baseEAL(), "--no-such-eal-option"))
		if err == nil {
			t.Fatal("Init accepted an unknown option")
		}
		// DPDK's own complaint is in the error, and nothing else of what
		// the EAL printed (its usage text) is: the error is one line.
		for _, want := range []string{"rte_eal_init", "rte_errno", "unrecognized option '--no-such-eal-option'", "hint: try --no-huge --no-pci with a --vdev"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "Usage") {
			t.Errorf("error %q has more than DPDK's complaint", err)
		}
		t.Logf("error: %v", err)
		if Initialized() {
			t.Error("Initialized() after a failed Init")
		}
	})
}

// A driver that does not exist fails the EAL's device probe.
func TestInitUnknownVdev(t *testing.T) {
	inChild(t, func(t *testing.T) {
		err := Init(append(baseEAL(), "--vdev=net_nosuchdriver0"))
		if err == nil {
			t.Fatal("Init accepted a vdev with no driver")
		}
		if !strings.Contains(err.Error(), "hint:") || !strings.Contains(err.Error(), `failed to parse device "net_nosuchdriver0"`) {
			t.Errorf("error %q lacks DPDK's reason or the hint", err)
		}
		t.Logf("error: %v", err)
	})
}
