package gen

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/nic/rss"
)

var update = flag.Bool("update", false, "rewrite the catalog's generated files from the plans in this test")

// catalogPlans are hand-written plans for the catalog NFs, as NFS.md says
// the analyzer must produce them. The generator's unit tests use them as
// fixtures, independent of the analyzer; TestCatalogUpToDate uses the real
// analysis.
func catalogPlans() map[string]*Plan {
	all := func(fs ...rss.Field) []rss.Bits {
		var bs []rss.Bits
		for _, f := range fs {
			bs = append(bs, rss.Whole(f))
		}
		return bs
	}
	const lan, wan = 0, 1
	st := func(field, typ, kind string, ro bool) State {
		return State{Field: field, Type: typ, Kind: kind, ReadOnly: ro}
	}
	return map[string]*Plan{
		"nop": {NF: "NOP", Strategy: SharedNothing, Ports: []int{lan, wan},
			Reasons: []Reason{{Code: "stateless", Message: "no state: any RSS key"}}},
		"sbridge": {NF: "SBridge", Strategy: SharedNothing, Ports: []int{lan, wan},
			State:   []State{st("macs", "*maestro.Map[maestro.MAC, maestro.Port]", "Map", true)},
			Reasons: []Reason{{Code: "read-only", Message: "macs is only read on the packet path: replicated"}}},
		"dbridge": {NF: "DBridge", Strategy: Locks, Ports: []int{lan, wan},
			State:       []State{st("macs", "*maestro.Table[maestro.MAC, maestro.Port]", "Table", false)},
			Reasons:     []Reason{{Pos: "dbridge.go:93", Code: "MAE010", Message: "macs keyed by EthSrc, which RSS cannot hash: locks"}},
			Constraints: []rss.Constraint{rss.DependsOn(lan, "dbridge.go:93: macs.Find keyed by EthSrc"), rss.DependsOn(wan, "dbridge.go:93: macs.Find keyed by EthSrc")}},
		// The paper's FW: a bare 5-tuple match, sharded by the 4-tuple.
		"fwbasic": {NF: "FW", Strategy: SharedNothing, Ports: []int{lan, wan},
			State: []State{st("flows", "*maestro.Table[maestro.FlowID, struct{}]", "Table", false)},
			Constraints: []rss.Constraint{rss.Same(lan, all(rss.SrcIP, rss.DstIP, rss.SrcPort, rss.DstPort), wan, all(rss.DstIP, rss.SrcIP, rss.DstPort, rss.SrcPort),
				"fwbasic.go:73: flows.Find keyed by the reversed 5-tuple on WAN, flows.Insert by the 5-tuple on LAN")}},
		// The strict FW: ICMP errors (from routers) and fragments (no
		// ports) share only the LAN host's address with their flow.
		"fw": {NF: "FW", Strategy: SharedNothing, Ports: []int{lan, wan},
			State: []State{st("flows", "*maestro.Table[maestro.FlowID, struct{}]", "Table", false), st("frags", "*maestro.Table[FragID, struct{}]", "Table", false)},
			Constraints: []rss.Constraint{rss.Same(lan, all(rss.SrcIP), wan, all(rss.DstIP),
				"fw.go:216: flows.Find keyed by the quoted flow, whose source is the WAN DstIP, flows.Insert by the 5-tuple on LAN"),
				rss.DependsOn(lan, "fw.go:180: flows.Insert", all(rss.SrcIP)...),
				rss.DependsOn(wan, "fw.go:216: flows.Find", all(rss.DstIP)...)}},
		"nat": {NF: "NAT", Strategy: SharedNothing, Ports: []int{lan, wan},
			State: []State{st("flows", "*maestro.Table[maestro.FlowID, struct{}]", "Table", false)},
			Constraints: []rss.Constraint{rss.Same(lan, all(rss.DstIP), wan, all(rss.SrcIP),
				"nat.go:148: the WAN side checks the entry's DstIP against SrcIP before writing")}},
		"policer": {NF: "Policer", Strategy: SharedNothing, Ports: []int{lan, wan},
			State:       []State{st("buckets", "*maestro.Table[uint32, Bucket]", "Table", false)},
			Constraints: []rss.Constraint{rss.DependsOn(wan, "policer.go:127: buckets.Find keyed by DstIP", all(rss.DstIP)...)}},
		"psd": {NF: "PSD", Strategy: SharedNothing, Ports: []int{lan, wan},
			State: []State{st("sources", "*maestro.Table[uint32, source]", "Table", false), st("ports", "*maestro.Table[portKey, int64]", "Table", false)},
			Constraints: []rss.Constraint{rss.DependsOn(wan, "psd.go:109: sources.Find keyed by SrcIP", all(rss.SrcIP)...),
				rss.DependsOn(wan, "psd.go:120: ports.Find keyed by (SrcIP, DstPort)", all(rss.SrcIP, rss.DstPort)...)}},
		"cl": {NF: "CL", Strategy: SharedNothing, Ports: []int{lan, wan},
			State: []State{st("flows", "*maestro.Table[maestro.FlowID, struct{}]", "Table", false), st("conns", "*maestro.CountMin[pair]", "CountMin", false)},
			Constraints: []rss.Constraint{rss.DependsOn(lan, "cl.go:111: flows.Find keyed by the 5-tuple", all(rss.SrcIP, rss.DstIP, rss.SrcPort, rss.DstPort)...),
				rss.DependsOn(lan, "cl.go:119: conns.Estimate keyed by (SrcIP, DstIP)", all(rss.SrcIP, rss.DstIP)...)}},
		"hhh": {NF: "HHH", Strategy: SharedNothing, Ports: []int{lan, wan},
			State: []State{st("t0", "*maestro.Table[uint32, Bucket]", "Table", false), st("t1", "*maestro.Table[uint32, Bucket]", "Table", false),
				st("t2", "*maestro.Table[uint32, Bucket]", "Table", false), st("t3", "*maestro.Table[uint32, Bucket]", "Table", false)},
			Constraints: []rss.Constraint{rss.DependsOn(wan, "hhh.go:223: tables keyed by SrcIP prefixes down to /24", rss.Prefix(rss.SrcIP, 24))}},
		"lb": {NF: "LB", Strategy: Locks, Ports: []int{lan, wan},
			State: []State{st("backends", "*maestro.Table[uint32, maestro.MAC]", "Table", false), st("flows", "*maestro.Table[maestro.FlowID, assignment]", "Table", false),
				st("ring", "*maestro.Vector[int32]", "Vector", false), st("perms", "*maestro.Vector[permState]", "Vector", false)},
			Reasons: []Reason{{Pos: "lb.go:167", Code: "MAE011", Message: "choosing a backend reads state every core writes (ring): locks"}}},
	}
}

// catalogPatterns returns the catalog NFs present in the tree, sorted, as
// patterns relative to ../examples.
func catalogPatterns() []string {
	var patterns []string
	for name := range catalogPlans() {
		if _, err := os.Stat(filepath.Join("../examples", name, name+".go")); err == nil {
			patterns = append(patterns, "./"+name)
		}
	}
	slices.Sort(patterns)
	return patterns
}

// catalogTypes is the catalog's type-checked packages, loaded once per test
// binary: a load runs go list, which costs far more than generating.
var catalogTypes struct {
	once sync.Once
	pkgs []*Package
	err  error
}

// loadCatalog returns the catalog NFs' packages (generated files left
// out), loading them on the first call.
func loadCatalog(t *testing.T) []*Package {
	t.Helper()
	catalogTypes.once.Do(func() {
		catalogTypes.pkgs, catalogTypes.err = LoadTypes("../examples", catalogPatterns()...)
	})
	if catalogTypes.err != nil {
		t.Fatal(catalogTypes.err)
	}
	return catalogTypes.pkgs
}

// generateCatalog generates every catalog NF present in the tree from its
// hand-written plan; each call generates afresh from the shared packages.
func generateCatalog(t *testing.T) map[string]*Generated {
	t.Helper()
	plans := catalogPlans()
	out := map[string]*Generated{}
	for _, pkg := range loadCatalog(t) {
		name := filepath.Base(pkg.Path)
		p := plans[name]
		p.Package = pkg.Path
		p.Constructor = "New"
		p.ConfigType = "Config"
		g, err := Generate(p, pkg.Types, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g.Dir = pkg.Dir
		out[name] = g
	}
	return out
}

// analyzedNF is the real pipeline's outcome for one catalog NF.
type analyzedNF struct {
	name  string
	gens  []*Generated
	diags []Diagnostic
	err   error
}

// catalogAnalysis is the real pipeline (analysis included) run on the whole
// catalog once per test binary, shared by TestCatalogUpToDate and
// TestCatalogClusteredSpread.
var catalogAnalysis struct {
	once sync.Once
	nfs  []analyzedNF
}

// analyzeCatalog returns, sorted by name, each catalog NF present with what
// GeneratePackages gives for it. All NFs go through one GeneratePackages
// call (two package loads in all); only if that call fails is each NF run
// alone, so that every failure is reported against its NF.
func analyzeCatalog() []analyzedNF {
	catalogAnalysis.once.Do(func() {
		patterns := catalogPatterns()
		gens, _, err := GeneratePackages("../examples", patterns, Options{})
		if err == nil {
			byName := map[string][]*Generated{}
			for _, g := range gens {
				name := filepath.Base(g.Dir)
				byName[name] = append(byName[name], g)
			}
			for _, pat := range patterns {
				name := filepath.Base(pat)
				catalogAnalysis.nfs = append(catalogAnalysis.nfs, analyzedNF{name: name, gens: byName[name]})
			}
			return
		}
		for _, pat := range patterns {
			name := filepath.Base(pat)
			gens, diags, err := GeneratePackages("../examples/"+name, nil, Options{})
			catalogAnalysis.nfs = append(catalogAnalysis.nfs, analyzedNF{name, gens, diags, err})
		}
	})
	return catalogAnalysis.nfs
}

// TestCatalogUpToDate fails if regenerating a catalog NF would change its
// checked-in file: the checked-in files are the goldens. It runs the real
// pipeline (analysis included) in process, on the whole catalog at once
// (analyzeCatalog); an NF the analyzer refuses is a failure: go generate
// would fail on it too.
func TestCatalogUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("analysis of the whole catalog takes a while")
	}
	t.Parallel() // overlaps TestOutsideModule, which mostly waits for go commands
	for _, nf := range analyzeCatalog() {
		name, gens, diags, err := nf.name, nf.gens, nf.diags, nf.err
		if errors.Is(err, ErrDiagnostics) {
			t.Errorf("%s: the analyzer refuses it (%d diagnostics, first: %v)", name, len(diags), diags[0])
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range gens {
			path := filepath.Join(g.Dir, g.Name)
			if *update {
				if _, err := writeIfChanged(path, g.Source); err != nil {
					t.Fatal(err)
				}
				continue
			}
			old, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: %v (run go generate ./examples/%s)", name, err, name)
				continue
			}
			if !bytes.Equal(old, g.Source) {
				t.Errorf("%s: %s is stale: run go generate ./examples/%s", name, path, name)
			}
		}
	}
}
