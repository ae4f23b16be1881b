//go:build !maestrogen

package nop

import (
	"testing"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
)

// TestReadsNoHeaders: the NOP reads only InPort, so its parallel NF tells
// backends to skip the parse (except under the ownership check, which
// hashes headers); the FW reads headers and says so.
func TestReadsNoHeaders(t *testing.T) {
	par, err := NewParallel(testConfig, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := nic.ReadsHeaders(par), maestro.OwnershipCheck; got != want {
		t.Errorf("NOP: nic.ReadsHeaders = %v, want %v", got, want)
	}
	f, err := fw.NewParallel(fw.DefaultConfig(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !nic.ReadsHeaders(f) {
		t.Error("FW: nic.ReadsHeaders = false, want true")
	}
	if !nic.ReadsHeaders(nic.Sequential{NF: New(testConfig)}) {
		t.Error("a Processor that does not say must get parsed packets")
	}
}
