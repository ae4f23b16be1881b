package stateaccess

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// pkgSSA is the SSA form of the package under analysis: the package and its
// source functions (function literals included), in source order.
//
// The analyzer builds it itself instead of requiring the buildssa pass:
// buildssa requires ctrlflow, whose facts make every driver (go vet aside)
// type-check and analyse all dependencies from source, which is what made
// analysing the catalog take seconds. Built here, the analyzer has no facts
// and drivers load dependencies from export data. The only loss is
// ctrlflow's list of functions that never return (log.Fatal and the like),
// which an NF's packet path has no business calling.
type pkgSSA struct {
	Pkg      *ssa.Package
	SrcFuncs []*ssa.Function
}

// buildSSA builds the SSA form of pass's package.
func buildSSA(pass *analysis.Pass) *pkgSSA {
	prog := ssa.NewProgram(pass.Fset, ssa.BuilderMode(0))
	// Members of imported packages are referenced by the package's code;
	// they need SSA packages (without bodies) to be resolvable.
	for _, imp := range pass.Pkg.Imports() {
		prog.CreatePackage(imp, nil, nil, true)
	}
	pkg := prog.CreatePackage(pass.Pkg, pass.Files, pass.TypesInfo, false)
	pkg.Build()
	out := &pkgSSA{Pkg: pkg}
	var add func(f *ssa.Function)
	add = func(f *ssa.Function) {
		out.SrcFuncs = append(out.SrcFuncs, f)
		for _, anon := range f.AnonFuncs {
			add(anon)
		}
	}
	for _, file := range pass.Files {
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			obj, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok {
				continue
			}
			if f := prog.FuncValue(obj); f != nil {
				add(f)
			}
		}
	}
	return out
}
