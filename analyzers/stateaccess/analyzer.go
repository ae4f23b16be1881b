package stateaccess

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// MaestroPath is the import path of the package NF authors import.
const MaestroPath = "github.com/nfmaestro/maestro/maestro"

// Analyzer finds //maestro:nf types, classifies their state accesses and
// reports what stops them from being parallelized. Its result is a *Result.
var Analyzer = &analysis.Analyzer{
	Name:       "stateaccess",
	Doc:        "classify NF state accesses and derive Maestro's parallelization plan\n\nSee package github.com/nfmaestro/maestro/analyzers/stateaccess.",
	URL:        "https://pkg.go.dev/github.com/nfmaestro/maestro/analyzers/stateaccess",
	Run:        run,
	ResultType: reflect.TypeFor[*Result](),
}

// analyzeEveryFunction makes run treat every function of the package as a
// packet path with opaque parameters. Only the robustness test sets it: it
// drives the SSA walk over shapes real NFs rarely produce.
var analyzeEveryFunction = false

// containerKinds are the maestro types that may hold state.
var containerKinds = map[string]bool{"Map": true, "Table": true, "Vector": true, "Allocator": true, "CountMin": true}

// nfDecl is one //maestro:nf type as declared.
type nfDecl struct {
	name   *ast.Ident
	obj    *types.TypeName
	ctor   string
	ports  string                // the ports= argument of the directive ("" if none)
	docs   []*ast.CommentGroup   // the comment groups holding the directive (//maestro:ack there covers the NF)
	fields map[string]*fieldDecl // every named field of the struct
	state  []*fieldDecl          // //maestro:state fields, in declaration order
}

// fieldDecl is one named field of an NF struct.
type fieldDecl struct {
	name    string
	field   *ast.Field
	typ     types.Type
	isState bool
	kind    string // container kind when isState and valid
	// perCoreEstimates: //maestro:state per-core-estimates on a CountMin.
	// The author accepts that a shared-nothing NF's per-core sketches
	// count collisions only among the keys of their own core (MAE021).
	perCoreEstimates bool
}

// stateOptPerCoreEstimates is the //maestro:state option that lets a
// CountMin's estimates be computed per core.
const stateOptPerCoreEstimates = "per-core-estimates"

func run(pass *analysis.Pass) (any, error) {
	r := &reporter{pass: pass, held: map[string]*pending{}}
	r.indexCalls()
	res := &Result{}
	nfs := findNFs(pass, r)
	acks := r.parseAcks(nfs)
	defer r.flush(acks)
	if len(nfs) == 0 && !analyzeEveryFunction {
		// Most packages vet sees are not NFs: no SSA needed.
		return res, nil
	}
	ssaRes := buildSSA(pass)
	for _, d := range nfs {
		r.nf = d
		if p := analyzeNF(pass, ssaRes, r, d); p != nil {
			res.NFs = append(res.NFs, p)
		}
	}
	r.nf = nil
	if analyzeEveryFunction {
		analyzeAll(pass, ssaRes, r)
	}
	return res, nil
}

// reporter deduplicates diagnostics: a helper reached along several call
// paths is visited once per path but must be reported once. It holds them
// back until the package is analysed, for the acknowledgements (ack.go).
type reporter struct {
	pass    *analysis.Pass
	held    map[string]*pending         // by position and message
	pending []*pending                  // in the order found
	nf      *nfDecl                     // the NF being analysed (nil: package-level checks)
	calls   map[token.Pos]*ast.CallExpr // by Lparen
	quiet   bool                        // analyzeEveryFunction roots report nothing
}

// mark returns the reporter's position, for cut.
func (r *reporter) mark() int { return len(r.pending) }

// cut removes the findings reported since mark and returns them, for
// restore: a walk whose plan is discarded takes its findings with it.
func (r *reporter) cut(mark int) []*pending {
	out := slices.Clone(r.pending[mark:])
	for _, p := range out {
		delete(r.held, fmt.Sprint(int(p.diag.Pos), p.diag.Message))
	}
	r.pending = r.pending[:mark]
	return out
}

// restore puts back findings cut removed.
func (r *reporter) restore(ps []*pending) {
	for _, p := range ps {
		r.held[fmt.Sprint(int(p.diag.Pos), p.diag.Message)] = p
		r.pending = append(r.pending, p)
	}
}

func (r *reporter) indexCalls() {
	r.calls = map[token.Pos]*ast.CallExpr{}
	for _, f := range r.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				r.calls[c.Lparen] = c
			}
			return true
		})
	}
}

// callStart maps an SSA call position (the Lparen) to the start of the
// call expression, which is where people look for "the call".
func (r *reporter) callStart(pos token.Pos) token.Pos {
	if c, ok := r.calls[pos]; ok {
		return c.Pos()
	}
	return pos
}

func (r *reporter) report(pos token.Pos, code, format string, args ...any) {
	r.reportFix(pos, nil, code, format, args...)
}

func (r *reporter) reportFix(pos token.Pos, fixes []analysis.SuggestedFix, code, format string, args ...any) {
	if r.quiet || !pos.IsValid() {
		return
	}
	msg := code + ": " + fmt.Sprintf(format, args...)
	k := fmt.Sprint(int(pos), msg)
	p := r.held[k]
	if p == nil {
		at := r.pass.Fset.Position(pos)
		p = &pending{
			diag: analysis.Diagnostic{Pos: pos, Category: Category(code), Message: msg, SuggestedFixes: fixes},
			code: code, file: at.Filename, line: at.Line,
		}
		r.held[k] = p
		r.pending = append(r.pending, p)
	}
	if r.nf != nil && !slices.Contains(p.nfs, r.nf) {
		p.nfs = append(p.nfs, r.nf)
	}
}

// emit reports a finding about the directives themselves at once: it is
// never acknowledged.
func (r *reporter) emit(pos token.Pos, code, format string, args ...any) {
	if r.quiet || !pos.IsValid() {
		return
	}
	r.pass.Report(analysis.Diagnostic{Pos: pos, Category: Category(code), Message: code + ": " + fmt.Sprintf(format, args...)})
}

// shortPos formats pos as "file.go:line:col" with the file's base name.
func shortPos(fset *token.FileSet, pos token.Pos) string {
	if !pos.IsValid() {
		return "-"
	}
	p := fset.Position(pos)
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
}

// directive returns the argument text of //maestro:<name> in the comment
// groups, and whether it is present. Directives must start the comment line
// with no space, as Go directives do.
func directive(name string, groups ...*ast.CommentGroup) (string, bool) {
	prefix := "//maestro:" + name
	for _, g := range groups {
		if g == nil {
			continue
		}
		for _, c := range g.List {
			if c.Text == prefix {
				return "", true
			}
			if rest, ok := strings.CutPrefix(c.Text, prefix+" "); ok {
				return strings.TrimSpace(rest), true
			}
			if rest, ok := strings.CutPrefix(c.Text, prefix+"\t"); ok {
				return strings.TrimSpace(rest), true
			}
		}
	}
	return "", false
}

// findNFs returns the //maestro:nf types of the package and reports the
// directive problems that do not need SSA (MAE010).
func findNFs(pass *analysis.Pass, r *reporter) []*nfDecl {
	var out []*nfDecl
	for _, f := range pass.Files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				groups := []*ast.CommentGroup{ts.Doc, ts.Comment}
				if len(gd.Specs) == 1 {
					groups = append(groups, gd.Doc)
				}
				arg, ok := directive("nf", groups...)
				if !ok {
					continue
				}
				obj, _ := pass.TypesInfo.Defs[ts.Name].(*types.TypeName)
				if obj == nil {
					continue
				}
				d := &nfDecl{name: ts.Name, obj: obj, ctor: "New", fields: map[string]*fieldDecl{}, docs: groups}
				for _, a := range strings.Fields(arg) {
					if rest, ok := strings.CutPrefix(a, "ports="); ok {
						d.ports = rest
					} else {
						d.ctor = a
					}
				}
				if ts.Assign.IsValid() {
					r.report(ts.Name.Pos(), "MAE011", "//maestro:nf type %s is an alias: declare the NF as a defined struct type (type %s struct{...}) so that its fields and methods are its own", ts.Name.Name, ts.Name.Name)
					continue
				}
				if ts.TypeParams != nil && len(ts.TypeParams.List) > 0 {
					r.report(ts.Name.Pos(), "MAE011", "//maestro:nf type %s is generic: the generated parallel NF needs one concrete type; declare a non-generic NF type (it may hold generic containers)", ts.Name.Name)
					continue
				}
				if st, ok := ts.Type.(*ast.StructType); ok && st.Fields != nil {
					for _, fld := range st.Fields.List {
						opt, isState := directive("state", fld.Doc, fld.Comment)
						for _, n := range fld.Names {
							fd := &fieldDecl{name: n.Name, field: fld, isState: isState}
							if v, ok := pass.TypesInfo.Defs[n].(*types.Var); ok {
								fd.typ = v.Type()
							}
							d.fields[n.Name] = fd
							if !isState {
								continue
							}
							fd.kind = containerKind(fd.typ)
							if fd.kind == "" {
								r.report(n.Pos(), "MAE010", "//maestro:state field %s has type %s, which is not a maestro container: use *maestro.Map, *maestro.Table, *maestro.Vector, *maestro.Allocator or *maestro.CountMin so that its accesses can be analysed and sharded",
									n.Name, typeString(fd.typ))
								continue
							}
							switch opt {
							case "":
							case stateOptPerCoreEstimates:
								if fd.kind != "CountMin" {
									r.report(n.Pos(), "MAE010", "//maestro:state %s applies to a *maestro.CountMin, and field %s is a %s: only a sketch has estimates that per-core instances can compute differently",
										opt, n.Name, typeString(fd.typ))
									continue
								}
								fd.perCoreEstimates = true
							default:
								r.report(n.Pos(), "MAE010", "//maestro:state field %s has an unknown option %q: the only option is %s (on a CountMin); a misspelt option must not change the plan silently",
									n.Name, opt, stateOptPerCoreEstimates)
								continue
							}
							d.state = append(d.state, fd)
						}
					}
				}
				out = append(out, d)
			}
		}
	}
	return out
}

// containerKind returns "Table" etc. when t is a pointer to a maestro
// container, "" otherwise.
func containerKind(t types.Type) string {
	if t == nil {
		return ""
	}
	ptr, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return ""
	}
	n, ok := types.Unalias(ptr.Elem()).(*types.Named)
	if !ok {
		return ""
	}
	obj := n.Origin().Obj()
	if obj.Pkg() == nil || obj.Pkg().Path() != MaestroPath || !containerKinds[obj.Name()] {
		return ""
	}
	return obj.Name()
}

// isMaestroNamed reports whether t (after pointers) is maestro.<name>.
func isMaestroNamed(t types.Type, name string) bool {
	if t == nil {
		return false
	}
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Origin().Obj()
	return obj.Pkg() != nil && obj.Pkg().Path() == MaestroPath && obj.Name() == name
}

func typeString(t types.Type) string {
	if t == nil {
		return "invalid type"
	}
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}

// analyzeNF builds the plan of one NF and reports its diagnostics.
func analyzeNF(pass *analysis.Pass, ssaRes *pkgSSA, r *reporter, d *nfDecl) *Plan {
	plan := &Plan{
		NF:          d.obj.Name(),
		Package:     pass.Pkg.Path(),
		Constructor: d.ctor,
		Reasons:     []Reason{},
		State:       []State{},
		Ports:       []int{},
	}
	// Constructor and its configuration type.
	if obj, ok := pass.Pkg.Scope().Lookup(d.ctor).(*types.Func); ok {
		sig := obj.Type().(*types.Signature)
		if sig.Params().Len() == 1 {
			pt := sig.Params().At(0).Type()
			if p, ok := types.Unalias(pt).(*types.Pointer); ok {
				pt = p.Elem()
			}
			if n, ok := types.Unalias(pt).(*types.Named); ok {
				plan.ConfigType = n.Obj().Name()
			} else {
				plan.ConfigType = typeString(pt)
			}
		}
	} else {
		r.report(d.name.Pos(), "MAE012", "//maestro:nf type %s has no constructor function %s in its package: declare func %s(cfg Config) *%s, or name the constructor after the directive (//maestro:nf NewX)",
			d.obj.Name(), d.ctor, d.ctor, d.obj.Name())
	}

	// Process and its signature.
	var process *types.Func
	if obj, index, _ := types.LookupFieldOrMethod(types.NewPointer(d.obj.Type()), false, pass.Pkg, "Process"); obj != nil {
		if fn, ok := obj.(*types.Func); ok && isProcessSig(fn.Type().(*types.Signature)) {
			process = fn
			if len(index) > 1 {
				// Promoted from an embedded field: its receiver is that
				// field, not the NF, and the analysis would read the
				// embedded type's fields as the NF's.
				r.report(d.name.Pos(), "MAE011", "//maestro:nf type %s gets Process from an embedded field: declare Process on %s itself (it may call the embedded one)", d.obj.Name(), d.obj.Name())
				plan.Ports = []int{}
				plan.Strategy = Locks
				plan.Reasons = append(plan.Reasons, Reason{Pos: shortPos(pass.Fset, d.name.Pos()), Code: "MAE011", Message: "Process is promoted from an embedded field"})
				return plan
			}
		}
	}
	universe, ok := declaredPorts(pass, r, d)
	if !ok {
		universe = portUniverse(pass, ssaRes)
	}
	if len(universe) > 63 {
		r.report(d.name.Pos(), "MAE016", "//maestro:nf type %s has %d ports: the analysis handles at most 63", d.obj.Name(), len(universe))
		universe = universe[:63]
	}
	// The default port stands for every port not declared (fact 4 of
	// the package documentation): it is one above the highest declared port.
	def := 0
	if len(universe) > 0 {
		def = universe[len(universe)-1] + 1
	}
	universe = append(universe, def)
	plan.DefaultPort = def
	for _, fd := range d.state {
		plan.State = append(plan.State, State{Field: fd.name, Type: typeString(fd.typ), Kind: fd.kind, Accesses: []Access{}})
	}
	if process == nil {
		r.report(d.name.Pos(), "MAE011", "//maestro:nf type %s has no method Process(p *maestro.Packet) maestro.Verdict: that method is the packet path the analysis starts from",
			d.obj.Name())
		plan.Ports = universe
		plan.Strategy = Locks
		plan.Reasons = append(plan.Reasons, Reason{Pos: shortPos(pass.Fset, d.name.Pos()), Code: "MAE011", Message: "no Process method: nothing to shard"})
		return plan
	}
	fn := ssaRes.Pkg.Prog.FuncValue(process)
	if fn == nil || len(fn.Blocks) == 0 {
		r.report(process.Pos(), "MAE011", "//maestro:nf type %s: its Process method has no Go body (an assembly or linkname stub): the analysis can only follow Go code", d.obj.Name())
		plan.Ports = universe
		plan.Strategy = Locks
		plan.Reasons = append(plan.Reasons, Reason{Pos: shortPos(pass.Fset, d.name.Pos()), Code: "MAE011", Message: "Process has no Go body"})
		return plan
	}
	plan.ReadsNoHeaders = !readsHeaders(pass, process)
	pkgFuncs := ssaRes.SrcFuncs
	if init := ssaRes.Pkg.Func("init"); init != nil {
		// Package-level initializers (var onDrop = countDrop) take
		// functions' addresses too.
		pkgFuncs = append(append([]*ssa.Function(nil), pkgFuncs...), init)
	}
	// walk analyses the packet path into plan q, over every port at once
	// or once per port.
	walk := func(q *Plan, perPort bool) *nfAnalysis {
		a := newNFAnalysis(pass, r, d, universe)
		a.ssaPkg, a.pkgFuncs, a.perPort = ssaRes.Pkg, pkgFuncs, perPort
		a.checkTimeValues()
		if ctor := ssaRes.Pkg.Func(d.ctor); ctor != nil {
			a.checkConstructor(ctor)
		}
		a.run(fn)
		a.fillPlan(q)
		return a
	}
	perPort := *plan
	perPort.Reasons = slices.Clone(plan.Reasons)
	perPort.State = slices.Clone(plan.State)
	mark := r.mark()
	if a := walk(plan, false); plan.Strategy != Locks || !a.portPaths {
		return plan
	}
	// A key that depends on the path taken, where the path depends on
	// the input port (id := p.Flow(); if p.InPort == WAN { id =
	// id.Reverse() }), has one value per port: analyse the packet path
	// once per port, where such a phi has one incoming value, and keep
	// that plan if it shards. Its findings replace the first walk's.
	first := r.cut(mark)
	if walk(&perPort, true); perPort.Strategy == SharedNothing {
		return &perPort
	}
	r.cut(mark)
	r.restore(first)
	return plan
}

// isProcessSig reports whether sig is func(*maestro.Packet) maestro.Verdict.
func isProcessSig(sig *types.Signature) bool {
	if sig.Params().Len() != 1 || sig.Results().Len() != 1 {
		return false
	}
	pt, ok := types.Unalias(sig.Params().At(0).Type()).(*types.Pointer)
	if !ok || !isMaestroNamed(pt.Elem(), "Packet") {
		return false
	}
	rt := sig.Results().At(0).Type()
	_, isPtr := types.Unalias(rt).(*types.Pointer)
	return !isPtr && isMaestroNamed(rt, "Verdict")
}

// declaredPorts parses the ports= argument of the NF's directive: port
// numbers or maestro.Port constants of the package, comma-separated. It
// reports false when there is none.
func declaredPorts(pass *analysis.Pass, r *reporter, d *nfDecl) ([]int, bool) {
	if d.ports == "" {
		return nil, false
	}
	set := map[int]bool{}
	for _, name := range strings.Split(d.ports, ",") {
		name = strings.TrimSpace(name)
		if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < 1<<16 {
			set[n] = true
			continue
		}
		c, ok := pass.Pkg.Scope().Lookup(name).(*types.Const)
		v, known := int64(0), false
		if ok && isMaestroNamed(c.Type(), "Port") {
			v, known = constInt(c.Val())
		}
		if !known {
			r.report(d.name.Pos(), "MAE011", "//maestro:nf ports=%s: %q is neither a port number nor a maestro.Port constant of the package", d.ports, name)
			return nil, false
		}
		set[int(v)] = true
	}
	out := make([]int, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Ints(out)
	return out, true
}

// portUniverse returns the ports an NF can see: the maestro.Port constants
// its package declares plus every Port constant it compares anything with.
// An NF that names no port is taken to have the catalog's two ports.
func portUniverse(pass *analysis.Pass, ssaRes *pkgSSA) []int {
	set := map[int]bool{}
	scope := pass.Pkg.Scope()
	for _, name := range scope.Names() {
		if c, ok := scope.Lookup(name).(*types.Const); ok && isMaestroNamed(c.Type(), "Port") {
			if v, ok := constInt(c.Val()); ok {
				set[int(v)] = true
			}
		}
	}
	for _, fn := range ssaRes.SrcFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				bin, ok := instr.(*ssa.BinOp)
				if !ok || (bin.Op != token.EQL && bin.Op != token.NEQ) {
					continue
				}
				for _, v := range []ssa.Value{bin.X, bin.Y} {
					if c, ok := v.(*ssa.Const); ok && isMaestroNamed(c.Type(), "Port") && c.Value != nil {
						if n, ok := constInt(c.Value); ok {
							set[int(n)] = true
						}
					}
				}
			}
		}
	}
	if len(set) == 0 {
		return []int{0, 1}
	}
	out := make([]int, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Ints(out)
	return out
}
