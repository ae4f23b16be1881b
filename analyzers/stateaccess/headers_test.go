package stateaccess_test

import (
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/analyzers/stateaccess"
	"golang.org/x/tools/go/analysis/analysistest"
)

// TestReadsNoHeaders checks Plan.ReadsNoHeaders on the testdata NFs of
// package headers: those named Raw* use only p.Data, p.InPort, p.Time and
// p.Len (or not p at all), the Reads* ones reach a parsed field some way
// (directly, through a helper, a closure, an address, a copy, a setter, an assignment or an alias of p). A wrong
// true would hand an NF unparsed packets: its header fields would read
// zero.
func TestReadsNoHeaders(t *testing.T) {
	res := analysistest.Run(t, analysistest.TestData(), stateaccess.Analyzer, "headers")
	r, _ := res[0].Result.(*stateaccess.Result)
	if r == nil || len(r.NFs) != 11 {
		t.Fatalf("result %+v: want 11 NFs", r)
	}
	for _, p := range r.NFs {
		if want := strings.HasPrefix(p.NF, "Raw"); p.ReadsNoHeaders != want {
			t.Errorf("%s: ReadsNoHeaders = %v, want %v", p.NF, p.ReadsNoHeaders, want)
		}
	}
}
