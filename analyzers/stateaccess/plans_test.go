package stateaccess_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/analyzers/stateaccess"
	"github.com/nfmaestro/maestro/nic/rss"
)

var update = flag.Bool("update", false, "rewrite testdata/plans/*.json from the examples")

// catalogNames are the catalog NFs whose plans are pinned by golden files
// when their package exists under examples/.
var catalogNames = []string{"nop", "fw", "fwbasic", "sbridge", "dbridge", "policer", "nat", "lb", "psd", "cl", "hhh"}

// moduleRoot is the repository root (two levels above this package).
func moduleRoot(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

var (
	examplesOnce sync.Once
	examplesRes  map[string]*stateaccess.Plan
	examplesDiag []stateaccess.Diagnostic
	examplesErr  error
)

// examplePlans analyses every catalog NF present, once per test binary.
func examplePlans(t *testing.T) map[string]*stateaccess.Plan {
	t.Helper()
	examplesOnce.Do(func() {
		root := moduleRoot(t)
		var pats []string
		for _, n := range catalogNames {
			if _, err := os.Stat(filepath.Join(root, "examples", n)); err == nil {
				pats = append(pats, "./examples/"+n)
			}
		}
		res, diags, err := stateaccess.Analyze(pats, root)
		if err != nil {
			examplesErr = err
			return
		}
		examplesRes = map[string]*stateaccess.Plan{}
		for _, p := range res.NFs {
			examplesRes[filepath.Base(p.Package)] = p
		}
		examplesDiag = diags
	})
	if examplesErr != nil {
		t.Fatal(examplesErr)
	}
	return examplesRes
}

func planFor(t *testing.T, name string) *stateaccess.Plan {
	t.Helper()
	if _, err := os.Stat(filepath.Join(moduleRoot(t), "examples", name)); err != nil {
		t.Skipf("examples/%s not present", name)
	}
	p := examplePlans(t)[name]
	if p == nil {
		t.Fatalf("no //maestro:nf plan for examples/%s", name)
	}
	return p
}

// TestGoldenPlans compares each catalog NF's plan with its golden JSON.
func TestGoldenPlans(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	for _, name := range catalogNames {
		t.Run(name, func(t *testing.T) {
			p := planFor(t, name)
			got, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "plans", name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("plan of %s differs from %s (go test -update rewrites it):\n%s", name, golden, got)
			}
		})
	}
}

// constraintsOf returns the plan's constraints as text for assertions.
func hasConstraint(p *stateaccess.Plan, want rss.Constraint) bool {
	for _, c := range p.Constraints {
		c.Why = ""
		if c.String() == want.String() {
			return true
		}
	}
	return false
}

func keyFields(a stateaccess.Access) []string {
	var out []string
	for _, c := range a.Key {
		out = append(out, c.Source+":"+c.Field)
	}
	return out
}

func findAccess(t *testing.T, p *stateaccess.Plan, field, method string, port int) stateaccess.Access {
	t.Helper()
	for _, st := range p.State {
		if st.Field != field {
			continue
		}
		for _, a := range st.Accesses {
			if a.Method == method && (a.Ports == nil || slices.Contains(a.Ports, port)) {
				return a
			}
		}
	}
	t.Fatalf("%s: no %s.%s on port %d", p.NF, field, method, port)
	return stateaccess.Access{}
}

func whole(f rss.Field) rss.Bits { return rss.Whole(f) }

// TestFWKeys: the paper's FW (examples/fwbasic) is sharded by the
// 4-tuple, a reply with its request.
func TestFWKeys(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	p := planFor(t, "fwbasic")
	if p.Strategy != stateaccess.SharedNothing {
		t.Fatalf("strategy %s, want shared-nothing: %+v", p.Strategy, p.Reasons)
	}
	lan := findAccess(t, p, "flows", "Insert", 0)
	if got, want := keyFields(lan), []string{"packet:SrcIP", "packet:DstIP", "packet:SrcPort", "packet:DstPort", "packet:Proto"}; !slices.Equal(got, want) {
		t.Errorf("LAN Insert key %v, want %v", got, want)
	}
	if !slices.Equal(lan.Ports, []int{0}) {
		t.Errorf("LAN Insert ports %v, want [0]", lan.Ports)
	}
	wan := findAccess(t, p, "flows", "Find", 1)
	if got, want := keyFields(wan), []string{"packet:DstIP", "packet:SrcIP", "packet:DstPort", "packet:SrcPort", "packet:Proto"}; !slices.Equal(got, want) {
		t.Errorf("WAN Find key %v, want the reversed tuple %v", got, want)
	}
	want := rss.Same(0, []rss.Bits{whole(rss.SrcIP), whole(rss.DstIP), whole(rss.SrcPort), whole(rss.DstPort)},
		1, []rss.Bits{whole(rss.DstIP), whole(rss.SrcIP), whole(rss.DstPort), whole(rss.SrcPort)}, "")
	if !hasConstraint(p, want) {
		t.Errorf("missing %v in %v", want, p.ConstraintText)
	}
	solveSpreads(t, p)
}

// TestStrictFWKeys: the strict FW (examples/fw) reads ports and ICMP
// identifiers from the frame bytes (opaque to the analysis), and matches an
// ICMP error's quoted flow by the LAN host the error is addressed to, so
// the only component every pair shares is the LAN host's address: LAN
// SrcIP with WAN DstIP, and each port's queue depends on that alone.
func TestStrictFWKeys(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	p := planFor(t, "fw")
	if p.Strategy != stateaccess.SharedNothing {
		t.Fatalf("strategy %s, want shared-nothing: %+v", p.Strategy, p.Reasons)
	}
	lan := findAccess(t, p, "flows", "Insert", 0)
	if got, want := keyFields(lan), []string{"packet:SrcIP", "packet:DstIP", "opaque:", "opaque:", "packet:Proto"}; !slices.Equal(got, want) {
		t.Errorf("LAN Insert key %v, want %v", got, want)
	}
	quoted := false
	for _, st := range p.State {
		for _, a := range st.Accesses {
			if st.Field == "flows" && a.Method == "Find" && slices.Equal(keyFields(a), []string{"packet:DstIP", "opaque:", "opaque:", "opaque:", "opaque:"}) {
				quoted = slices.Contains(a.Ports, 1)
			}
		}
	}
	if !quoted {
		t.Errorf("no WAN flows.Find keyed by DstIP and the quoted (opaque) rest: %+v", p.State)
	}
	for _, want := range []rss.Constraint{
		rss.Same(0, []rss.Bits{whole(rss.SrcIP)}, 1, []rss.Bits{whole(rss.DstIP)}, ""),
		rss.DependsOn(0, "", whole(rss.SrcIP)),
		rss.DependsOn(1, "", whole(rss.DstIP)),
	} {
		if !hasConstraint(p, want) {
			t.Errorf("missing %v in %v", want, p.ConstraintText)
		}
	}
	solveSpreads(t, p)
}

func TestPolicerKeys(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	p := planFor(t, "policer")
	if p.Strategy != stateaccess.SharedNothing {
		t.Fatalf("strategy %s: %+v", p.Strategy, p.Reasons)
	}
	if !hasConstraint(p, rss.DependsOn(1, "", whole(rss.DstIP))) {
		t.Errorf("missing WAN DependsOnly(DstIP) in %v", p.ConstraintText)
	}
	solveSpreads(t, p)
}

// TestNATPooledAllocation: the catalog NAT finds its WAN entry by
// flows.IndexOf(DstPort), so its external ports are allocated RSS-aware
// (the plan's Pools) and the LAN side is no longer tied to the server: it
// may hash the whole 4-tuple, and no constraint pairs LAN with WAN. (Until
// issue 16 it was sharded by server through the verified-access rule,
// which the verify* adversarial NFs still exercise.)
func TestNATPooledAllocation(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	p := planFor(t, "nat")
	if p.Strategy != stateaccess.SharedNothing {
		t.Fatalf("strategy %s: %+v", p.Strategy, p.Reasons)
	}
	want := []stateaccess.Pool{{State: "flows", Port: 1, Field: "DstPort"}}
	if !reflect.DeepEqual(p.Pools, want) {
		t.Errorf("pools %+v, want %+v", p.Pools, want)
	}
	lanAll := false
	for _, c := range p.Constraints {
		if c.Kind == rss.SameQueue && (c.Port == 0) != (c.OtherPort == 0) {
			t.Errorf("constraint ties LAN to WAN: %v", c)
		}
		if c.Kind == rss.DependsOnly && c.Port == 0 && len(c.Fields) == 4 {
			lanAll = true
		}
		if c.Kind == rss.DependsOnly && c.Port == 1 && (len(c.Fields) != 1 || c.Fields[0] != rss.Whole(rss.DstPort)) {
			t.Errorf("WAN: %v, want DependsOnly(DstPort)", c)
		}
	}
	if !lanAll {
		t.Errorf("LAN may not depend on the whole 4-tuple: %v", p.ConstraintText)
	}
	solveSpreads(t, p)
}

func TestLocksNFs(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	for _, name := range []string{"dbridge", "lb"} {
		t.Run(name, func(t *testing.T) {
			p := planFor(t, name)
			if p.Strategy != stateaccess.Locks {
				t.Fatalf("strategy %s, want locks", p.Strategy)
			}
			if len(p.Reasons) == 0 {
				t.Fatal("locks without reasons")
			}
			for _, r := range p.Reasons {
				if !strings.Contains(r.Pos, name+".go:") || !strings.HasPrefix(r.Code, "MAE") {
					t.Errorf("reason %+v does not point at a line of %s.go with a code", r, name)
				}
			}
		})
	}
}

func TestSharedNothingCatalog(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	for _, name := range []string{"nop", "sbridge", "psd", "cl"} {
		t.Run(name, func(t *testing.T) {
			p := planFor(t, name)
			if p.Strategy != stateaccess.SharedNothing {
				t.Fatalf("strategy %s: %+v", p.Strategy, p.Reasons)
			}
			solveSpreads(t, p)
		})
	}
}

func TestSBridgeReadOnly(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	p := planFor(t, "sbridge")
	if len(p.State) != 1 || !p.State[0].ReadOnly {
		t.Fatalf("state %+v, want one read-only field", p.State)
	}
	if len(p.Constraints) != 0 {
		t.Errorf("read-only state gave constraints %v", p.ConstraintText)
	}
}

// solveSpreads checks with nic/rss that the constraints admit a spreading
// RSS configuration.
func solveSpreads(t *testing.T, p *stateaccess.Plan) {
	t.Helper()
	prof := rss.Profiles()[0]
	ports := 2
	for _, q := range p.Ports {
		ports = max(ports, q+1)
	}
	if _, err := rss.Solve(prof, ports, p.Constraints, 1); err != nil {
		t.Errorf("rss.Solve(%v): %v", p.ConstraintText, err)
	}
}

// TestHHHShardsOnGuaranteedPrefix checks the rule for masks taken from the
// configuration: HHH's keys are p.SrcIP & (minPrefixMask | level mask), so
// only the top MinPrefix bits are known to survive every level's mask, and
// the WAN queue must depend on exactly those.
func TestHHHShardsOnGuaranteedPrefix(t *testing.T) {
	t.Parallel() // see TestNoPanicOnRealCode
	p := planFor(t, "hhh")
	if p.Strategy != stateaccess.SharedNothing {
		t.Fatalf("strategy %s: %+v", p.Strategy, p.Reasons)
	}
	if !hasConstraint(p, rss.DependsOn(1, "", rss.Bits{Field: rss.SrcIP, Mask: 0xffff0000})) {
		t.Errorf("missing WAN DependsOnly(SrcIP/16) in %v", p.ConstraintText)
	}
	solveSpreads(t, p)
}
