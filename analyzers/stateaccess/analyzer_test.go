package stateaccess_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/analyzers/stateaccess"
	"golang.org/x/tools/go/analysis/analysistest"
)

// TestDiagnostics checks every diagnostic against the // want comments of
// the testdata NFs: good has none, bad and noproc one per problem.
func TestDiagnostics(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	analysistest.Run(t, analysistest.TestData(), stateaccess.Analyzer, "good", "bad", "noproc", "quiet", "ack", "stdobj")
}

// TestSuggestedFix applies the MAE001 fix (add //maestro:state) and
// compares with the .golden file.
func TestSuggestedFix(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), stateaccess.Analyzer, "fix")
}

// TestGoodPlan checks the plan of the testdata firewall: helpers, struct
// keys, masks and shifts, switch on the port.
func TestGoodPlan(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	res := analysistest.Run(t, analysistest.TestData(), stateaccess.Analyzer, "good")
	if len(res) != 1 {
		t.Fatalf("%d results", len(res))
	}
	r, _ := res[0].Result.(*stateaccess.Result)
	if r == nil || len(r.NFs) != 1 {
		t.Fatalf("result %+v", r)
	}
	p := r.NFs[0]
	if p.Strategy != stateaccess.SharedNothing || p.ConfigType != "Config" || p.Constructor != "New" {
		t.Errorf("plan %+v", p)
	}
	want := []string{
		"port 0 (SrcIP,DstIP,SrcPort,DstPort) SameQueue port 1 (DstIP,SrcIP,DstPort,SrcPort)",
		"port 0 (SrcIP/24,DstPort) SameQueue port 1 (DstIP/24,SrcPort)",
		"port 0 DependsOnly(SrcIP/24,DstPort)",
		"port 1 DependsOnly(DstIP/24,SrcPort)",
	}
	got := map[string]bool{}
	for _, c := range p.ConstraintText {
		got[c] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing constraint %q in %q", w, p.ConstraintText)
		}
	}
	for _, st := range p.State {
		if (st.Field == "static") != st.ReadOnly {
			t.Errorf("%s read-only = %v", st.Field, st.ReadOnly)
		}
	}
}

// TestQuietPlan: an NF whose MAC-keyed lookup meets no write but Expire
// runs shared-nothing, and (TestDiagnostics) no finding says it runs with
// locks.
func TestQuietPlan(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	res := analysistest.Run(t, analysistest.TestData(), stateaccess.Analyzer, "quiet")
	r, _ := res[0].Result.(*stateaccess.Result)
	if r == nil || len(r.NFs) != 1 || r.NFs[0].Strategy != stateaccess.SharedNothing {
		t.Fatalf("plan %+v", r)
	}
}

// TestCategories checks that every diagnostic carries "CODE/EFFECT" as its
// category (what go vet -json prints), with the code of its message.
func TestCategories(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	res := analysistest.Run(t, analysistest.TestData(), stateaccess.Analyzer, "ack")
	want := map[string]string{"MAE001": "MAE001/blocking", "MAE002": "MAE002/locks", "MAE003": "MAE003/locks", "MAE020": "MAE020/warning"}
	seen := map[string]bool{}
	for _, r := range res {
		for _, d := range r.Diagnostics {
			code, _, _ := strings.Cut(d.Message, ":")
			if d.Category != want[code] {
				t.Errorf("%q: category %q, want %q", d.Message, d.Category, want[code])
			}
			if stateaccess.CategoryCode(d.Category) != code {
				t.Errorf("CategoryCode(%q) = %q, want %q", d.Category, stateaccess.CategoryCode(d.Category), code)
			}
			seen[code] = true
		}
	}
	if len(seen) != len(want) {
		t.Errorf("codes reported %v, want %v", seen, want)
	}
}

// TestDeepValuesStayBounded: a key computed through 60 steps that each
// combine the previous value with itself is analysed quickly and described
// in bounded text (nested descriptions would take 2^60 characters).
func TestDeepValuesStayBounded(t *testing.T) {
	t.Parallel()
	res := analysistest.Run(t, analysistest.TestData(), stateaccess.Analyzer, "deep")
	n := 0
	for _, r := range res {
		for _, d := range r.Diagnostics {
			n++
			if len(d.Message) > 4000 {
				t.Errorf("diagnostic of %d bytes: %.200s…", len(d.Message), d.Message)
			}
		}
	}
	if n == 0 {
		t.Error("no diagnostic for an opaque key")
	}
}

// errorCollector is an analysistest.Testing that keeps the errors.
type errorCollector struct{ errs []string }

func (c *errorCollector) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

// TestExponentialCallTree: a packet path whose helpers each call the next
// twice, 30 deep (2^30 call paths), is refused at the call sites past the
// bound with MAE016 (blocking), quickly, and nothing else is reported.
func TestExponentialCallTree(t *testing.T) {
	t.Parallel()
	var c errorCollector
	analysistest.Run(&c, analysistest.TestData(), stateaccess.Analyzer, "calltree")
	if len(c.errs) == 0 || len(c.errs) > 64 {
		t.Fatalf("%d findings, want MAE016 at a few call sites", len(c.errs))
	}
	for _, e := range c.errs {
		if !strings.Contains(e, "unexpected diagnostic: MAE016: the packet path is too large") {
			t.Errorf("finding %s", e)
		}
	}
}

// TestCountsPlan: a result that depends on other keys' entries (an Expire
// count, a CountMin estimate, an entry index that leaves the containers)
// forces locks (MAE021), unless the result is dropped, the sketch accepts
// per-core estimates or the index only addresses containers.
func TestCountsPlan(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	res := analysistest.Run(t, analysistest.TestData(), stateaccess.Analyzer, "counts")
	r, _ := res[0].Result.(*stateaccess.Result)
	if r == nil {
		t.Fatal("no result")
	}
	want := map[string]string{
		"ExpireCount":    stateaccess.Locks,
		"ExpireIgnored":  stateaccess.SharedNothing,
		"Estimates":      stateaccess.Locks,
		"AddResult":      stateaccess.Locks,
		"PerCore":        stateaccess.SharedNothing,
		"IndexVerdict":   stateaccess.Locks,
		"IndexHelper":    stateaccess.Locks,
		"IndexAddresses": stateaccess.SharedNothing,
		"IndexClosure":   stateaccess.Locks,
	}
	for _, nf := range r.NFs {
		if w, ok := want[nf.NF]; ok {
			if nf.Strategy != w {
				t.Errorf("%s: strategy %s, want %s", nf.NF, nf.Strategy, w)
			}
			delete(want, nf.NF)
		}
	}
	for nf := range want {
		t.Errorf("%s: no plan", nf)
	}
}
