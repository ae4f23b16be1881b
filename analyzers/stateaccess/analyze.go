package stateaccess

import (
	"fmt"
	"go/token"
	"sort"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// Diagnostic is one diagnostic of Analyze, with its position resolved.
type Diagnostic struct {
	Pos     string `json:"pos"`     // "/abs/path/fw.go:63:15"
	Code    string `json:"code"`    // "MAE001"
	Message string `json:"message"` // the full message, code included
}

// String formats d like go vet does.
func (d Diagnostic) String() string { return d.Pos + ": " + d.Message }

// Analyze loads the packages matching patterns (go list syntax) from dir
// and runs Analyzer on them with golang.org/x/tools/go/analysis/checker, the
// same driver that singlechecker uses: maestrogen and go vet see the same
// plans and the same diagnostics. Plans are sorted by package and NF name;
// diagnostics by position. Load and type errors are returned as errors.
func Analyze(patterns []string, dir string) (*Result, []Diagnostic, error) {
	return AnalyzeFlags(patterns, dir, nil)
}

// AnalyzeFlags is Analyze with build flags for go list, such as
// "-tags=maestrogen" (maestrogen leaves its own output out that way).
func AnalyzeFlags(patterns []string, dir string, buildFlags []string) (*Result, []Diagnostic, error) {
	// The analyzer has no facts, so dependencies come from export data: only
	// the packages analysed are parsed and type-checked from source.
	cfg := &packages.Config{Mode: packages.LoadSyntax, Dir: dir, BuildFlags: buildFlags}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, nil, err
	}
	if len(pkgs) == 0 {
		return nil, nil, fmt.Errorf("stateaccess: no packages match %v", patterns)
	}
	var errs []error
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e)
		}
	})
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("stateaccess: loading %v: %v (and %d more)", patterns, errs[0], len(errs)-1)
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{Analyzer}, pkgs, nil)
	if err != nil {
		return nil, nil, err
	}
	res := &Result{}
	var diags []Diagnostic
	for _, act := range graph.Roots {
		if act.Err != nil {
			return nil, nil, fmt.Errorf("stateaccess: %s: %w", act.Package.PkgPath, act.Err)
		}
		if r, ok := act.Result.(*Result); ok && r != nil {
			res.NFs = append(res.NFs, r.NFs...)
		}
		for _, d := range act.Diagnostics {
			diags = append(diags, Diagnostic{Pos: posString(act.Package.Fset, d.Pos), Code: CategoryCode(d.Category), Message: d.Message})
		}
	}
	sort.SliceStable(res.NFs, func(i, j int) bool {
		if res.NFs[i].Package != res.NFs[j].Package {
			return res.NFs[i].Package < res.NFs[j].Package
		}
		return res.NFs[i].NF < res.NFs[j].NF
	})
	sort.SliceStable(diags, func(i, j int) bool { return posLess(diags[i].Pos, diags[j].Pos) })
	return res, diags, nil
}

func posString(fset *token.FileSet, pos token.Pos) string {
	if fset == nil || !pos.IsValid() {
		return "-"
	}
	return fset.Position(pos).String()
}
