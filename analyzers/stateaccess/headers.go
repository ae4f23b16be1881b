package stateaccess

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
)

// rawFields are the Packet fields and methods that do not depend on the
// parse: the frame itself, its input port and its arrival time.
var rawFields = map[string]bool{"Data": true, "InPort": true, "Time": true, "Len": true}

// readsHeaders reports whether process, the NF's Process method, may read
// a parsed header field of its packet. Plan.ReadsNoHeaders is its
// negation: a backend may then skip the parse, as dpdk-testpmd's io mode
// never touches the frame.
//
// The check is syntactic and errs towards true: the packet parameter may
// appear only as the operand of p.Data, p.InPort, p.Time or p.Len, and
// never under &. Passing p to any function (a helper, a method, a
// closure's call), storing it, dereferencing it or taking a field's
// address counts as reading every header, as does a Process whose
// declaration is not in the package's files.
func readsHeaders(pass *analysis.Pass, process *types.Func) bool {
	decl := funcDeclOf(pass, process)
	if decl == nil || decl.Body == nil {
		return true
	}
	params := decl.Type.Params.List
	if len(params) == 0 || len(params[0].Names) == 0 {
		return false // unnamed: nothing can use it
	}
	p := pass.TypesInfo.Defs[params[0].Names[0]]
	if p == nil {
		return false // blank
	}
	reads := false
	var stack []ast.Node
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		if id, ok := n.(*ast.Ident); ok && pass.TypesInfo.Uses[id] == p && !rawUse(id, stack) {
			reads = true
		}
		return !reads
	})
	return reads
}

// rawUse reports whether the use id (the top of stack, whose entries are
// its ancestors) reads only a raw field: id.Data, id.InPort, id.Time or
// id.Len, not under &.
func rawUse(id *ast.Ident, stack []ast.Node) bool {
	if len(stack) < 2 {
		return false
	}
	sel, ok := stack[len(stack)-2].(*ast.SelectorExpr)
	if !ok || sel.X != id || !rawFields[sel.Sel.Name] {
		return false
	}
	if len(stack) >= 3 {
		if u, ok := stack[len(stack)-3].(*ast.UnaryExpr); ok && u.Op == token.AND {
			return false // &p.InPort: unsafe arithmetic could reach the rest
		}
	}
	return true
}

// funcDeclOf returns the declaration of fn among the package's files, or
// nil.
func funcDeclOf(pass *analysis.Pass, fn *types.Func) *ast.FuncDecl {
	for _, f := range pass.Files {
		if f.Pos() > fn.Pos() || fn.Pos() >= f.End() {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Pos() == fn.Pos() {
				return fd
			}
		}
	}
	return nil
}
