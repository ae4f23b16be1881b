package stateaccess_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/analyzers/stateaccess"
)

// The adversarial suite of issue 11: NFs written as ordinary Go, one
// pattern each, to break an analysis that is not closed-world. Those the
// analysis must parallelize live under examples/adversarial (with their
// generated code and a differential test); those it must refuse under
// testdata/adversarial. Each NF's header comment says what it tests and
// why its expected outcomes are the sound ones.
//
// The outcome of an NF is "refused:MAExxx" for the first blocking
// diagnostic (stateaccess.Blocking) in its package, else its plan's
// Strategy. Lines marked "// want MAE013" (or "// want MAE001|MAE013":
// one of these codes) must carry such a diagnostic.

const (
	sn    = stateaccess.SharedNothing
	locks = stateaccess.Locks
)

const (
	advExamples = "examples/adversarial"
	advTestdata = "analyzers/stateaccess/testdata/adversarial"
)

type advCase struct {
	name string
	dir  string   // advExamples or advTestdata
	want []string // acceptable outcomes
	// writes are state fields whose writes the plan must record when the
	// NF is not refused: the pattern hides them from a careless analysis,
	// which then plans them read-only.
	writes []string
	// accesses are accesses the plan must record when the NF is not
	// refused, as "field.Method" or "field.Method@port" (then the access
	// must run on that port, or on any port): the pattern hides them.
	accesses []string
}

func ex(name string, want ...string) advCase {
	return advCase{name: name, dir: advExamples, want: want}
}
func td(name string, want ...string) advCase {
	return advCase{name: name, dir: advTestdata, want: want}
}

func (c advCase) writing(fields ...string) advCase { c.writes = fields; return c }

func (c advCase) accessing(acs ...string) advCase { c.accesses = acs; return c }

func refused(code string) string { return "refused:" + code }

var advCases = []advCase{
	// 1. State reached other than by a direct method call on a
	// //maestro:state field.
	ex("methodvalue", sn, locks).writing("flows").accessing("flows.Insert@0"),
	ex("deferinsert", sn, locks).writing("flows").accessing("flows.Insert@0"),
	ex("accessor", sn, locks).writing("flows").accessing("flows.Insert@0"),
	ex("methodexpr", sn, locks).writing("flows").accessing("flows.Insert@0"),
	ex("generichelper", sn, locks).writing("flows").accessing("flows.Insert@0"),
	ex("tableparam", sn, locks).writing("flows").accessing("flows.Insert@0"),
	ex("localstruct", sn).writing("flows").accessing("flows.Insert@0", "flows.Find@1"),
	td("handlervalue", sn, locks, refused("MAE015"), refused("MAE014")).writing("flows").accessing("flows.Insert@0", "flows.Find@1"),
	td("ifacedispatch", sn, locks, refused("MAE015")).writing("flows").accessing("flows.Insert@0", "flows.Find@1"),
	td("unmarkedstruct", refused("MAE014")),
	td("embedded", refused("MAE014")),
	td("slicecontainers", refused("MAE014")),
	td("statearray", refused("MAE010")),
	td("mapofcontainers", refused("MAE014")),
	td("pkgcontainer", refused("MAE008"), refused("MAE014")),
	td("closurecapture", refused("MAE014"), refused("MAE015")),
	td("nfchain", refused("MAE014"), refused("MAE006"), refused("MAE013")),

	// 2. Mutable memory outside containers.
	td("vectorptr", refused("MAE013")),
	td("mapslicevalue", refused("MAE013")),
	td("atomicfield", refused("MAE001"), refused("MAE013")),
	td("atomictype", refused("MAE001"), refused("MAE013")),
	td("nestedfield", refused("MAE001")),
	td("nestedptr", refused("MAE013"), refused("MAE001")),
	td("globalptr", refused("MAE008"), refused("MAE013")),
	td("globalhelper", refused("MAE008"), refused("MAE015")),
	td("configslice", refused("MAE013"), refused("MAE001")),
	td("configmap", refused("MAE013"), refused("MAE001")),
	td("appendconfig", refused("MAE013"), refused("MAE001")),
	td("copyconfig", refused("MAE013"), refused("MAE001")),
	td("unsafewrite", refused("MAE001"), refused("MAE013"), refused("MAE006")),
	td("reflectwrite", refused("MAE013"), refused("MAE006")),

	// 3. Key provenance.
	ex("shiftnarrow", sn, locks),
	ex("addconst", sn, locks),
	ex("subconfigmask", sn, locks),
	ex("shiftconfig", locks),
	ex("mulconfig", sn, locks),
	ex("xorfields", sn, locks),
	ex("andnotconfig", locks),
	ex("icmpsentinel", locks),
	ex("minusonekey", sn, locks),
	ex("canonptr", sn, locks),
	ex("closurekey", sn, locks),
	ex("setterreread", locks),
	ex("databytes", locks),
	ex("configlookupkey", locks),
	ex("phifields", sn, locks),
	ex("arraykey24", sn, locks),
	ex("portphi", sn),
	ex("portfield", sn),
	ex("concatkey", sn),

	// 4. Ports.
	ex("elseport", sn, locks).accessing("flows.Insert@0", "flows.Insert@1", "flows.Find@2"),
	ex("thirdport", sn, locks).accessing("flows.Find@1", "flows.Find@2"),
	ex("switchdefault", sn, locks).accessing("flows.Find@1", "flows.Find@2"),
	ex("portparity", sn, locks).accessing("flows.Insert@2", "flows.Find@3"),
	ex("configport", locks),
	ex("portgap", sn),

	// 5. Time-driven writes.
	ex("expireoneport", locks),
	ex("expirecond", locks),
	ex("expireafter", locks),
	ex("expiredefer", locks),
	td("timenowvar", refused("MAE005"), refused("MAE015"), refused("MAE008")),

	// 6. Verified accesses whose failing side does not just drop.
	ex("verifyforward", locks),
	ex("verifybounce", locks),
	ex("verifywrite", locks),
	ex("verifyrefresh", locks),
	// RSS-aware allocation (issue 16): a pooled index must be the one the
	// addressed table's IndexOf gave for a whole packet field.
	ex("poolxor", locks),
	ex("poolcross", locks),
	ex("pooloffset", locks),

	// 10. Results that count other keys' entries (MAE021).
	ex("expirecount", locks),
	ex("sketchcollide", locks),
	ex("indexverdict", locks),
	ex("indexrewrite", locks),
	ex("allocstored", locks),
	ex("entryage", locks),

	// 8. Bounds.
	td("deepwrite", refused("MAE001"), refused("MAE016")),
	td("deepaccess", sn, locks, refused("MAE016")).writing("flows").accessing("flows.Insert@0"),
	td("recursion", refused("MAE016")),

	// 9. Declarations.
	td("aliasnf", refused("MAE011")),
	td("asmprocess", refused("MAE011")),
	td("genericnf", refused("MAE011")),
	td("valuereceiver", sn, locks, refused("MAE011")).writing("flows").accessing("flows.Insert@0", "flows.Find@1"),

	// Negative controls: correct NFs that must stay (or become)
	// shared-nothing.
	ex("fieldbyfield", sn),
	ex("pkthelper", sn),
	ex("allocindex", sn),
	ex("stdhash", sn),
	ex("freshmeetskey", locks).writing("marks"),
	// Aliased containers: invisible on the packet path, refused when the
	// generated constructor builds the instances (maestro.CheckDistinct).
	ex("statealias", sn, locks),
	ex("sharedglobal", sn, locks),
	ex("xorvsfield", locks),
	td("ctorglobal", refused("MAE019"), refused("MAE008")),
	td("ctorsecret", refused("MAE019")),
	td("ctorgoroutine", refused("MAE019")),
	td("promotedprocess", refused("MAE011")),
	td("expirescaled", locks),
	td("inportrewritten", sn, locks).accessing("hosts.Insert@1", "hosts.Has@0"),
	td("packetcopysetter", locks),
	ex("xorsymmetric", sn, locks),
	ex("expirehelper", sn),
}

// advRoot is the module root.
func advRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// wantRE matches a "// want MAE013" or "// want MAE001|MAE013" marker.
var wantRE = regexp.MustCompile(`// want (MAE\d{3}(?:\|MAE\d{3})*)\s*$`)

// marker is one "// want" line: one of codes must be reported at file:line.
type marker struct {
	file  string // base name
	line  int
	codes []string
}

// markers reads the // want markers of the NF sources in dir (not tests,
// not generated files).
func markers(t *testing.T, dir string) []marker {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var ms []marker
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_maestro_gen.go") {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for n := 1; sc.Scan(); n++ {
			if m := wantRE.FindStringSubmatch(sc.Text()); m != nil {
				ms = append(ms, marker{file: filepath.Base(f), line: n, codes: strings.Split(m[1], "|")})
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return ms
}

// diagFileLine splits a Diagnostic.Pos ("/abs/dir/file.go:12:3").
func diagFileLine(pos string) (dir, base string, line int) {
	parts := strings.Split(pos, ":")
	if len(parts) < 3 {
		return "", "", 0
	}
	file := strings.Join(parts[:len(parts)-2], ":")
	line, _ = strconv.Atoi(parts[len(parts)-2])
	return filepath.Dir(file), filepath.Base(file), line
}

// TestAdversarialCoverage checks that the table lists every adversarial NF
// package, once, and that the suite keeps its size.
func TestAdversarialCoverage(t *testing.T) {
	root := advRoot(t)
	listed := map[string]bool{}
	for _, c := range advCases {
		key := c.dir + "/" + c.name
		if listed[key] {
			t.Errorf("%s listed twice", key)
		}
		listed[key] = true
		for _, w := range c.want {
			if c.dir == advExamples && strings.HasPrefix(w, "refused:") {
				t.Errorf("%s: an NF under %s must generate code (go generate ./... would fail): expected %v", c.name, advExamples, c.want)
			}
		}
	}
	for _, dir := range []string{advExamples, advTestdata} {
		ents, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.IsDir() && e.Name() != "internal" && !listed[dir+"/"+e.Name()] {
				t.Errorf("%s/%s is not in advCases", dir, e.Name())
			}
		}
	}
	if len(advCases) < 45 {
		t.Errorf("%d adversarial NFs, want at least 45", len(advCases))
	}
}

// TestAdversarial runs the analysis on every adversarial NF (one load for
// all) and checks each outcome and each marked diagnostic. It loads the
// packages as they are built, generated files included: maestrogen loads
// them without (-tags=maestrogen), which would compile all of them a second
// time on a cold cache, and the generated code is outside every packet
// path, so the analysis is the same. That maestrogen's own load gives these
// plans is checked by go generate leaving the checked-in files unchanged.
func TestAdversarial(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	root := advRoot(t)
	const module = "github.com/nfmaestro/maestro/"
	var pats []string
	for _, c := range advCases {
		pats = append(pats, module+c.dir+"/"+c.name)
	}
	res, diags, err := stateaccess.Analyze(pats, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range advCases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(root, filepath.FromSlash(c.dir), c.name)
			var mine []stateaccess.Diagnostic
			for _, d := range diags {
				if ddir, _, _ := diagFileLine(d.Pos); ddir == dir {
					mine = append(mine, d)
				}
			}
			var plan *stateaccess.Plan
			for _, p := range res.NFs {
				if p.Package == module+c.dir+"/"+c.name {
					plan = p
				}
			}
			outcome := "no plan"
			if plan != nil {
				outcome = plan.Strategy
			}
			for _, d := range mine {
				if stateaccess.Blocking(d.Code) {
					outcome = refused(d.Code)
					break
				}
			}
			t.Logf("outcome %s", outcome)
			if !slices.Contains(c.want, outcome) {
				t.Errorf("outcome %s, want one of %v; diagnostics:\n%s", outcome, c.want, diagList(mine))
				if plan != nil {
					for _, r := range plan.Reasons {
						t.Logf("reason %s %s %s", r.Pos, r.Code, r.Message)
					}
				}
			}
			if plan != nil && !strings.HasPrefix(outcome, "refused:") {
				for _, field := range c.writes {
					for _, st := range plan.State {
						if st.Field == field && st.ReadOnly {
							t.Errorf("outcome %s with %s read-only: the plan lost the writes to it", outcome, field)
						}
					}
				}
			}
			if plan != nil && !strings.HasPrefix(outcome, "refused:") {
				for _, ac := range c.accesses {
					if !hasAccess(plan, ac) {
						t.Errorf("outcome %s without access %s: the plan lost it", outcome, ac)
					}
				}
			}
			for _, m := range markers(t, dir) {
				found := false
				for _, d := range mine {
					if _, base, line := diagFileLine(d.Pos); base == m.file && line == m.line && slices.Contains(m.codes, d.Code) {
						found = true
					}
				}
				if plan != nil {
					// A finding the NF acknowledges (//maestro:ack) is not
					// reported but stays among the plan's reasons.
					for _, r := range plan.Reasons {
						if _, base, line := diagFileLine(dir + "/" + r.Pos); base == m.file && line == m.line && slices.Contains(m.codes, r.Code) {
							found = true
						}
					}
				}
				if !found {
					t.Errorf("%s:%d: no %s diagnostic; diagnostics:\n%s", m.file, m.line, strings.Join(m.codes, " or "), diagList(mine))
				}
			}
		})
	}
}

// hasAccess reports whether plan records the access ac, "field.Method" or
// "field.Method@port" (running on port, or on any port).
func hasAccess(plan *stateaccess.Plan, ac string) bool {
	name, port, hasPort := strings.Cut(ac, "@")
	field, method, _ := strings.Cut(name, ".")
	p, _ := strconv.Atoi(port)
	for _, st := range plan.State {
		if st.Field != field {
			continue
		}
		for _, a := range st.Accesses {
			if a.Method == method && (!hasPort || a.Ports == nil || slices.Contains(a.Ports, p)) {
				return true
			}
		}
	}
	return false
}

func diagList(ds []stateaccess.Diagnostic) string {
	if len(ds) == 0 {
		return "\t(none)"
	}
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("\t" + d.String() + "\n")
	}
	return b.String()
}
