package stateaccess

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// verification is an "anti-spoofing" check: data read from an entry found
// by acc is compared with a packet field, and the failing side of the
// comparison writes no state. See effective in shard.go for how it is used.
type verification struct {
	fr      *frame
	acc     *access
	entry   string // "state.part.path": which entry data is compared
	pkt     *val   // the packet field it must equal
	success *ssa.BasicBlock
	ports   portSet
}

// visit walks every reachable block of the frame, records accesses,
// descends into local calls and reports what the packet path must not do.
func (f *frame) visit() {
	if f.visited {
		return
	}
	f.visited = true
	for _, b := range f.fn.Blocks {
		if b.Index < len(f.blockPorts) && f.blockPorts[b.Index] == 0 {
			continue // unreachable on every port this frame runs on
		}
		for _, instr := range b.Instrs {
			f.visitInstr(b, instr)
		}
	}
}

func (f *frame) visitInstr(b *ssa.BasicBlock, instr ssa.Instruction) {
	r := f.a.r
	switch in := instr.(type) {
	case *ssa.Go:
		r.report(in.Pos(), "MAE007", "go statement on the packet path: Process must finish its work before returning; the generated parallel NF already runs one worker per core")
		f.visitCall(b, in, in.Common())
	case *ssa.Call:
		f.visitCall(b, in, in.Common())
	case *ssa.Defer:
		f.visitCall(b, in, in.Common())
	case *ssa.Send:
		r.report(in.Pos(), "MAE007", "channel send on the packet path: it blocks or shares data with other goroutines behind the analysis' back; keep per-packet work in Process and state in //maestro:state containers")
	case *ssa.Select:
		r.report(in.Pos(), "MAE007", "select on the packet path: channel operations block and share data the analysis cannot see")
	case *ssa.MakeChan:
		r.report(in.Pos(), "MAE007", "channel created on the packet path: channels share data the analysis cannot see")
	case *ssa.UnOp:
		if in.Op == token.ARROW {
			r.report(in.Pos(), "MAE007", "channel receive on the packet path: it blocks and shares data the analysis cannot see")
		}
	case *ssa.Store:
		f.checkWrite(in.Addr, in.Pos(), "assignment")
		if v := f.eval(in.Val); v.k == kState && containerKind(in.Val.Type()) != "" {
			if _, local := in.Addr.(*ssa.Alloc); !local {
				r.report(in.Pos(), "MAE006", "state field %s is stored where the analysis cannot follow it: access state only through the NF's own field (%s.%s.Method(...))", v.field, f.recvName(), v.field)
			}
		}
	case *ssa.MapUpdate:
		f.checkWrite(in.Map, in.Pos(), "map update")
	case *ssa.MakeInterface:
		if v := f.eval(in.X); v.k == kState {
			pos := in.Pos()
			if !pos.IsValid() {
				pos = valuePos(in.X) // implicit conversion: point at the operand
			}
			r.report(pos, "MAE006", "state field %s is converted to an interface: code behind the interface may read or write it unseen; call its methods directly", v.field)
		}
	case *ssa.If:
		f.checkVerification(b, in)
	}
}

// visitCall handles one call: container accesses, packet-path checks,
// escaping state, and descent into the package's own functions.
func (f *frame) visitCall(b *ssa.BasicBlock, call ssa.CallInstruction, c *ssa.CallCommon) {
	r := f.a.r
	kind, fn := f.classify(c)
	switch kind {
	case callContainer:
		if ac := f.accessFor(call, b); ac == nil {
			f.checkUnannotatedContainer(c)
		}
		f.checkEscape(c, 1)
		return
	case callLocal:
		if child := f.child(call, fn); child != nil {
			child.visit()
		}
		return
	case callFlow, callReverse, callMaestro:
		return // maestro's own API (packet setters, Forward) keeps no state
	}
	if fn != nil && pkgPath(fn) == "time" && fn.Signature.Recv() == nil {
		switch fn.Name() {
		case "Now", "Since", "Until":
			r.report(call.Pos(), "MAE005", "time.%s on the packet path: use p.Time (nanoseconds) so that runs replay exactly and every core sees the packet's own time", fn.Name())
		}
	}
	f.checkEscape(c, 0)
	// A pointer-receiver method of a configuration field mutates it.
	if fn != nil && fn.Signature.Recv() != nil && len(c.Args) > 0 {
		if _, isPtr := fn.Signature.Recv().Type().Underlying().(*types.Pointer); isPtr {
			f.checkWrite(c.Args[0], call.Pos(), "call of "+fn.Name())
		}
	}
}

// checkEscape reports state passed to code the analysis does not see.
// Arguments before from are skipped (a container's own receiver).
func (f *frame) checkEscape(c *ssa.CallCommon, from int) {
	args := c.Args
	if c.IsInvoke() {
		from = 0
	}
	for i := from; i < len(args); i++ {
		v := f.eval(args[i])
		if v.k == kState {
			callee := "a function value"
			if fn := c.StaticCallee(); fn != nil {
				callee = fn.String()
			} else if c.IsInvoke() && c.Method != nil {
				callee = "interface method " + c.Method.Name()
			}
			f.a.r.report(args[i].Pos(), "MAE006", "state field %s is passed to %s, outside the NF's package: the analysis cannot see what it does with it; call the container's methods in the NF's package instead",
				v.field, callee)
		}
	}
}

// checkUnannotatedContainer reports container writes on a field that lacks
// //maestro:state (calls on non-field containers are not the NF's state).
func (f *frame) checkUnannotatedContainer(c *ssa.CallCommon) {
	k, m := containerMethod(c.StaticCallee())
	spec := methodSpecs[k][m]
	if spec.op == OpRead || len(c.Args) == 0 {
		return
	}
	recv := c.Args[0]
	if ld, ok := recv.(*ssa.UnOp); ok && ld.Op == token.MUL {
		if a := f.eval(ld.X); a.k == kNFAddr && len(a.path) == 1 {
			f.reportMutable(a.path[0], c.Pos(), "calls "+m)
		}
	}
	if fa, ok := recv.(*ssa.Field); ok {
		if x := f.eval(fa.X); x.k == kNF {
			f.reportMutable(structFieldName(fa.X.Type(), fa.Field), c.Pos(), "calls "+m)
		}
	}
}

// checkWrite reports a write through addr when it lands in the NF (a field
// without //maestro:state) or in a package-level variable.
func (f *frame) checkWrite(addr ssa.Value, pos token.Pos, what string) {
	for range 16 {
		if v := f.eval(addr); v.k == kNFAddr && len(v.path) > 0 {
			f.reportMutable(v.path[0], pos, what)
			return
		}
		switch a := addr.(type) {
		case *ssa.Global:
			f.a.r.report(pos, "MAE008", "%s writes package-level variable %s on the packet path: every core would share it without synchronization; keep it in a //maestro:state container", what, a.Name())
			return
		case *ssa.FieldAddr:
			addr = a.X
		case *ssa.IndexAddr:
			addr = a.X
		case *ssa.UnOp:
			if a.Op != token.MUL {
				return
			}
			// A load: the written memory belongs to whatever the pointer,
			// slice or map was read from.
			addr = a.X
		case *ssa.Field:
			addr = a.X
		case *ssa.Slice:
			addr = a.X
		default:
			return
		}
	}
}

// reportMutable reports field, written on the packet path, unless it is
// state; it suggests the directive.
func (f *frame) reportMutable(field string, pos token.Pos, what string) {
	fd, ok := f.a.nf.fields[field]
	if !ok || fd.isState {
		return
	}
	var fixes []analysis.SuggestedFix
	if fd.field != nil && len(fd.field.Names) > 0 {
		col := f.a.pass.Fset.Position(fd.field.Pos()).Column
		indent := strings.Repeat("\t", max(col-1, 0))
		fixes = []analysis.SuggestedFix{{
			Message:   "mark " + field + " as //maestro:state",
			TextEdits: []analysis.TextEdit{{Pos: fd.field.Pos(), End: fd.field.Pos(), NewText: []byte("//maestro:state\n" + indent)}},
		}}
	}
	f.a.r.reportFix(pos, fixes, "MAE001", "%s writes field %s of %s on the packet path, but %s is not marked //maestro:state: a parallel NF would replicate or race on it; mark it //maestro:state and make it a maestro container, or stop writing it in Process",
		what, field, f.a.nf.obj.Name(), field)
}

// checkVerification records comparisons of entry data with packet fields
// whose failing side writes no state.
func (f *frame) checkVerification(b *ssa.BasicBlock, iff *ssa.If) {
	if len(b.Succs) != 2 {
		return
	}
	cond := iff.Cond
	negate := false
	if u, ok := cond.(*ssa.UnOp); ok && u.Op == token.NOT {
		cond, negate = u.X, true
	}
	bin, ok := cond.(*ssa.BinOp)
	if !ok || (bin.Op != token.EQL && bin.Op != token.NEQ) {
		return
	}
	x, y := f.eval(bin.X), f.eval(bin.Y)
	if x.k != kEntry {
		x, y = y, x
	}
	if x.k != kEntry || x.acc == nil || y.k != kPacket || y.cfg != "" || x.part == "other" {
		return
	}
	// succ[0] is taken when the condition holds.
	fail, success := b.Succs[1], b.Succs[0]
	if (bin.Op == token.NEQ) != negate {
		fail, success = success, fail
	}
	if f.mayWrite(fail) {
		return
	}
	f.a.verifs = append(f.a.verifs, &verification{
		fr: f, acc: x.acc, entry: x.acc.state + "." + x.part + "." + strings.Join(x.path, "."),
		pkt: y, success: success, ports: f.blockPorts[b.Index],
	})
}

// mayWrite reports whether a state write or refresh, or a call to a local
// function that may do one, is reachable from start in this function.
func (f *frame) mayWrite(start *ssa.BasicBlock) bool {
	seen := map[*ssa.BasicBlock]bool{}
	work := []*ssa.BasicBlock{start}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[b] {
			continue
		}
		seen[b] = true
		for _, instr := range b.Instrs {
			if c, ok := instr.(ssa.CallInstruction); ok && f.callMayWrite(c.Common(), 0) {
				return true
			}
		}
		work = append(work, b.Succs...)
	}
	return false
}

func (f *frame) callMayWrite(c *ssa.CallCommon, depth int) bool {
	kind, fn := f.classify(c)
	switch kind {
	case callContainer:
		k, m := containerMethod(fn)
		return methodSpecs[k][m].op != OpRead
	case callLocal:
		return f.a.fnMayWrite(f, fn, depth)
	}
	return false
}

func (a *nfAnalysis) fnMayWrite(f *frame, fn *ssa.Function, depth int) bool {
	if w, ok := a.writes[fn]; ok {
		return w
	}
	if depth > maxDepth {
		return true
	}
	a.writes[fn] = true // assume the worst while in progress (recursion)
	w := false
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if c, ok := instr.(ssa.CallInstruction); ok && f.callMayWrite(c.Common(), depth+1) {
				w = true
			}
		}
	}
	a.writes[fn] = w
	return w
}

// analyzeAll runs the walk from every function of the package with opaque
// parameters, evaluating every value. Diagnostics are suppressed: it exists
// so that the robustness test drives the walk over arbitrary code.
func analyzeAll(pass *analysis.Pass, ssaRes *pkgSSA, r *reporter) {
	quiet := r.quiet
	r.quiet = true
	defer func() { r.quiet = quiet }()
	d := &nfDecl{name: ast.NewIdent("all"), obj: types.NewTypeName(token.NoPos, pass.Pkg, "all", nil), fields: map[string]*fieldDecl{}}
	for _, fn := range ssaRes.SrcFuncs {
		a := newNFAnalysis(pass, r, d, []int{0, 1})
		a.limit = 32 // every function is a root: keep each tree small
		params := map[ssa.Value]*val{}
		for i, p := range fn.Params {
			switch {
			case i == 0 && fn.Signature.Recv() != nil:
				params[p] = &val{k: kNF}
			case isMaestroNamed(p.Type(), "Packet"):
				params[p] = &val{k: kPacketPtr}
			}
		}
		fr := a.newFrame(nil, nil, fn, params, a.all)
		if fr == nil {
			continue
		}
		fr.visit()
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if v, ok := instr.(ssa.Value); ok {
					_ = fr.eval(v).key()
				}
			}
		}
		a.fillPlan(&Plan{})
	}
}

// String formats a verification for debugging and reasons.
func (v *verification) String() string {
	return fmt.Sprintf("%s == %s", v.entry, v.pkt.describe())
}

// valuePos finds a source position for v, looking through loads and field
// addresses (whose positions SSA keeps) when v has none of its own.
func valuePos(v ssa.Value) token.Pos {
	for range 4 {
		if v.Pos().IsValid() {
			return v.Pos()
		}
		switch x := v.(type) {
		case *ssa.UnOp:
			v = x.X
		case *ssa.FieldAddr:
			v = x.X
		default:
			return token.NoPos
		}
	}
	return token.NoPos
}
