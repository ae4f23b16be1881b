package stateaccess

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestNoPanicOnRealCode runs the analyzer over large real packages, with
// every function treated as a packet path (analyzeEveryFunction), so that
// the SSA walk meets shapes that NFs rarely produce. A panic fails the test
// binary; packages without directives must yield no plan and no
// diagnostic.
//
// It sets analyzeEveryFunction, which every run of the analyzer reads, so
// it must not run in parallel: it stays sequential, and the tests that
// load and analyse packages call t.Parallel, so that they run together
// (each spends much of its time waiting for go list) once it is done.
func TestNoPanicOnRealCode(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks several large packages from source")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	analyzeEveryFunction = true
	defer func() { analyzeEveryFunction = false }()
	start := time.Now()
	// Packages a cold "go test ./..." compiles anyway, so that their
	// export data is in the build cache: net/http, analysed here once,
	// made this test compile crypto/tls and the rest of net/http's
	// dependencies (about 40 CPU-seconds on a cold cache). gopacket's
	// layers is the largest body of real packet-parsing code at hand.
	res, diags, err := Analyze([]string{"go/types", "encoding/json", "golang.org/x/tools/go/ssa", "golang.org/x/tools/go/packages", "github.com/gopacket/gopacket/layers"}, root)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.NFs) != 0 {
		t.Errorf("plans for packages without //maestro:nf: %+v", res.NFs)
	}
	for _, d := range diags {
		t.Errorf("unexpected diagnostic %v", d)
	}
	t.Logf("analysed in %v", time.Since(start))
}
