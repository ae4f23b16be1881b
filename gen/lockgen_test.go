package gen

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/analyzers/stateaccess"
)

// TestWritesFramePlumbed: the analyzer's WritesFrame reaches the
// generator's plan, its JSON, -explain and the generated lock code, which
// must then save the whole frame instead of the headers.
func TestWritesFramePlumbed(t *testing.T) {
	if !fromAnalyzer(&stateaccess.Plan{NF: "X", WritesFrame: true}).WritesFrame {
		t.Fatal("fromAnalyzer drops WritesFrame")
	}
	gens := generateCatalog(t)
	for _, writes := range []bool{false, true} {
		p := catalogPlans()["dbridge"]
		p.Package, p.Constructor, p.ConfigType = "github.com/nfmaestro/maestro/examples/dbridge", "New", "Config"
		p.WritesFrame = writes
		d, err := Decide(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(d.Plan)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(raw), `"writes_frame":true`); got != writes {
			t.Errorf("WritesFrame %v: JSON %s", writes, raw)
		}
		explain := d.Plan.Explain()
		if got := strings.Contains(explain, "saves the whole frame"); got != writes {
			t.Errorf("WritesFrame %v: -explain says\n%s", writes, explain)
		}
		src, err := Source(&File{Plan: d.Plan, Shape: shapeOf(t, gens["dbridge"]), PkgName: "dbridge", Keys: d.Keys, RETASize: d.Profile.RETASize, RETA: d.Solution.RETA})
		if err != nil {
			t.Fatal(err)
		}
		whole := strings.Contains(string(src), "x.group.StartReadFrame(core, p)")
		header := strings.Contains(string(src), "x.group.StartRead(core, p)")
		if whole != writes || header == writes {
			t.Errorf("WritesFrame %v: generated code saves whole frame %v, headers %v", writes, whole, header)
		}
	}
}

// shapeOf recovers the Shape a catalog NF was generated with, from the
// catalog's shared packages (generateCatalog loaded it from them).
func shapeOf(t *testing.T, g *Generated) *Shape {
	t.Helper()
	for _, pkg := range loadCatalog(t) {
		if pkg.Dir != g.Dir {
			continue
		}
		sh, err := ShapeOf(pkg.Types, g.Decision.Plan.NF, g.Decision.Plan.Constructor)
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	t.Fatalf("%s is not a catalog package", g.Dir)
	return nil
}

// TestCapacityChoiceExplicit: the plan states how a parallel NF sizes its
// containers, and a shared-nothing NF offers both choices.
func TestCapacityChoiceExplicit(t *testing.T) {
	gens := generateCatalog(t)
	fw, db := gens["fw"], gens["dbridge"]
	if fw.Decision.Plan.PerCoreCapacity != CapacitySplit || db.Decision.Plan.PerCoreCapacity != CapacityLocks {
		t.Fatalf("capacity: fw %q, dbridge %q", fw.Decision.Plan.PerCoreCapacity, db.Decision.Plan.PerCoreCapacity)
	}
	if !strings.Contains(fw.Decision.Plan.Explain(), "capacity: split by default (NewParallel)") ||
		!strings.Contains(fw.Decision.Plan.Explain(), "NewParallelFull") {
		t.Errorf("-explain does not state the capacity choice:\n%s", fw.Decision.Plan.Explain())
	}
	src := string(fw.Source)
	for _, want := range []string{
		"func NewParallel(cfg Config, cores int) (*FWParallel, error) {\n\treturn maestrogenFWNewParallel(cfg, cores, true)",
		"func NewParallelFull(cfg Config, cores int) (*FWParallel, error) {\n\treturn maestrogenFWNewParallel(cfg, cores, false)",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("generated FW lacks %q", want)
		}
	}
}

// TestLockCodeReleasesAndRecovers pins the shape of the generated lock
// code: each pass in a function of its own whose defer releases the lock,
// the read pass recovering only through LockGroup.Recovered, and the write
// pass starting an epoch.
func TestLockCodeReleasesAndRecovers(t *testing.T) {
	src := string(generateCatalog(t)["dbridge"].Source)
	for _, want := range []string{
		"\tx.lock.RLock(core)\n\tdefer func() {\n\t\tx.lock.RUnlock(core)\n\t\tif r := recover(); r != nil {\n\t\t\tx.group.Recovered(r)\n",
		"\tx.lock.Lock()\n\tdefer x.lock.Unlock()\n\tx.group.StartWrite(core, p)\n",
		"func (x *DBridgeParallel) LockGroup() *maestro.LockGroup { return x.group }",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("generated DBridge lacks %q", want)
		}
	}
}

// lockProbePlan is the plan of maestro/internal/lockprobe, written by hand
// because the probe writes frame bytes directly (WritesFrame) and is meant
// to run with locks whatever the analysis would say.
func lockProbePlan(pkg string) *Plan {
	return &Plan{NF: "Probe", Package: pkg, Constructor: "New", ConfigType: "Config", Strategy: Locks,
		Reasons:     []Reason{{Code: "forced", Message: "a fixture of the lock-based runtime"}},
		Ports:       []int{0, 1},
		WritesFrame: true,
		State: []State{{Field: "flows", Type: "*maestro.Table[maestro.FlowID, uint8]", Kind: "Table",
			Accesses: []Access{{Pos: "probe.go", Method: "Insert", Op: "write"}}}}}
}

// TestLockProbeUpToDate regenerates the lock-based probe's parallel NF from
// its hand-written plan and compares it with the checked-in file (-update
// rewrites it).
func TestLockProbeUpToDate(t *testing.T) {
	dir := filepath.Join("..", "maestro", "internal", "lockprobe")
	pkgs, err := LoadTypes(dir, ".")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Generate(lockProbePlan(pkgs[0].Path), pkgs[0].Types, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(g.Source), "x.group.StartReadFrame(core, p)") {
		t.Fatal("the probe writes frame bytes, yet its read pass does not save the whole frame")
	}
	path := filepath.Join(dir, g.Name)
	if *update {
		if _, err := writeIfChanged(path, g.Source); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(old, g.Source) {
		t.Fatalf("%s is stale (%v): go test ./gen -run TestLockProbeUpToDate -update", path, err)
	}
}
