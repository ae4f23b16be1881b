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
		if x := f.eval(in.X); in.Op == token.MUL && x.k == kGlobal {
			if w := f.a.globalWriter(x.field); w != "" && w != f.fn.Name() {
				r.report(in.Pos(), "MAE008", "package-level variable %s is read on the packet path and written by %s: the parallel NF builds one instance per core, so each read would see every instance's writes; keep it in the NF (configuration) or in a //maestro:state container", x.field, w)
			}
		}
	case *ssa.Store:
		f.checkStore(in.Addr, in.Val, in.Pos(), "assignment")
	case *ssa.MapUpdate:
		f.checkStore(in.Map, in.Value, in.Pos(), "map update")
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

// checkStore checks a store of value through addr (fact 2): allowed into
// memory allocated for this packet and into the packet; refused into the
// NF's fields (MAE001), package variables (MAE008) and any other memory
// (MAE013). State itself may only be stored in local variables (MAE006).
func (f *frame) checkStore(addr, value ssa.Value, pos token.Pos, what string) {
	a, r := f.eval(addr), f.a.r
	if !pos.IsValid() {
		pos = valuePos(addr)
	}
	if sv := f.eval(value); (sv.k == kState || sv.k == kNF) && !(a.k == kAddr && a.reg == regLocal) {
		name := "the NF"
		if sv.k == kState {
			name = "state field " + sv.field
		}
		r.report(pos, "MAE006", "%s is stored where the analysis cannot follow it: access state only through the NF's own field (%s.field.Method(...))", name, f.recvName())
		return
	}
	switch a.k {
	case kAddr:
		switch a.reg {
		case regLocal:
			return
		case regPacket:
			if a.field == "Data" {
				f.a.writesFrame = true
			}
			return
		case regFrame:
			f.a.writesFrame = true
			return
		}
	case kNFAddr:
		if len(a.path) > 0 {
			if fd, ok := f.a.nf.fields[a.path[0]]; ok && fd.isState {
				r.report(pos, "MAE006", "%s reassigns state field %s on the packet path: the analysis tracks state by field; set it once in the constructor", what, a.path[0])
				return
			}
			f.reportMutable(a.path[0], pos, what)
			return
		}
	case kGlobal:
		r.report(pos, "MAE008", "%s writes package-level variable %s on the packet path: every core would share it without synchronization; keep it in a //maestro:state container", what, a.field)
		return
	}
	if root, direct := f.nfRoot(addr); root != "" {
		if direct {
			f.reportMutable(root, pos, what) // a map or slice held in an NF field
			return
		}
		f.a.block(pos, "MAE013", "%s writes memory reached through field %s of %s (a pointer or nested reference), which outlives the packet and is not a maestro container: a parallel NF would replicate it per core or race on it; keep mutable data in //maestro:state containers", what, root, f.a.nf.obj.Name())
		return
	}
	f.a.block(pos, "MAE013", "%s writes %s, memory that outlives the packet and is not a maestro container: a parallel NF would replicate it per core or race on it; keep mutable data in //maestro:state containers and store values in them, not pointers", what, a.describe())
}

// nfRoot returns the NF field (not state) whose memory addr reaches by
// following field, element and pointer loads back to the receiver; "" if
// it reaches none. direct reports that the memory is the map or the
// slice elements the field itself holds (f.seen[k] = v, f.buf[i] = b),
// where marking the field as state is the fix; through pointers and
// nested fields it is not.
func (f *frame) nfRoot(addr ssa.Value) (field string, direct bool) {
	loads := 0
	for range 16 {
		if v := f.eval(addr); v.k == kNFAddr && len(v.path) > 0 {
			if fd, ok := f.a.nf.fields[v.path[0]]; ok && !fd.isState {
				direct = loads <= 1 && len(v.path) == 1
				if direct && fd.typ != nil {
					switch fd.typ.Underlying().(type) {
					case *types.Map, *types.Slice:
					default:
						direct = false
					}
				}
				return v.path[0], direct
			}
			return "", false
		}
		switch a := addr.(type) {
		case *ssa.FieldAddr:
			addr = a.X
		case *ssa.IndexAddr:
			addr = a.X
		case *ssa.UnOp:
			if a.Op != token.MUL {
				return "", false
			}
			loads++
			addr = a.X
		case *ssa.Field:
			addr = a.X
		case *ssa.Slice:
			addr = a.X
		default:
			return "", false
		}
	}
	return "", false
}

// visitCall handles one call: container accesses, packet-path checks,
// escaping state, and descent into the functions it may run.
func (f *frame) visitCall(b *ssa.BasicBlock, call ssa.CallInstruction, c *ssa.CallCommon) {
	r := f.a.r
	kind, fn := f.classify(c)
	pos := f.a.r.callStart(c.Pos())
	switch kind {
	case callContainer:
		if k, m := containerMethod(fn); specFor(k, m).fixed && methodSpecs[k][m].op == "" {
			return // Cap, Timeout, Width, Depth: fixed at construction
		}
		if ac := f.accessFor(call, b); ac == nil {
			f.checkForeignContainer(c, pos)
		}
		f.checkEscape(c, 1)
		return
	case callLocal:
		if child := f.childFor(call, target{fn: fn, binds: closureBinds(f, c)}); child != nil {
			child.visit()
		}
		return
	case callFlow, callReverse:
		return
	case callMaestro:
		// maestro's API keeps no state. The Packet's own methods write
		// only the Packet and its headers, which a lock-based read pass
		// saves anyway; of the rest only AppendFrame writes an argument.
		if fn != nil && fn.Signature.Recv() != nil && isPacketPtr(fn.Signature.Recv().Type()) {
			return
		}
		f.checkArgs(c, fn, pos, !readOnlyExternal(fn), "MAE013")
		return
	case callBuiltin:
		f.checkBuiltin(c, pos)
		return
	case callDynamic:
		ts, unknown, ext := f.dynTargets(c)
		for _, t := range ts {
			if child := f.childFor(call, t); child != nil {
				child.visit()
			}
		}
		if ext != nil {
			f.checkExternal(call, c, ext, pos)
		}
		if unknown {
			f.checkArgs(c, nil, pos, true, "MAE015")
		}
		return
	}
	if fn != nil && pkgPath(fn) == "time" && fn.Signature.Recv() == nil {
		switch fn.Name() {
		case "Now", "Since", "Until":
			r.report(call.Pos(), "MAE005", "time.%s on the packet path: use p.Time (nanoseconds) so that runs replay exactly and every core sees the packet's own time", fn.Name())
		}
	}
	f.checkExternal(call, c, fn, pos)
}

// checkExternal checks a call of fn, a function outside the package: what
// it is given must not let it write memory that outlives the packet, and
// package functions it is given as values may run.
func (f *frame) checkExternal(call ssa.CallInstruction, c *ssa.CallCommon, fn *ssa.Function, pos token.Pos) {
	f.checkArgs(c, fn, pos, !readOnlyExternal(fn), "MAE013")
	for _, arg := range c.Args {
		v := f.eval(arg)
		if v.k == kFunc && v.fn != nil && f.body(v.fn) != nil {
			if child := f.childFor(call, target{fn: v.fn, binds: v.binds, opaqueParams: true}); child != nil {
				child.visit()
			}
		}
	}
}

// checkArgs checks what a call hands to code the analysis does not follow
// (fn, or unknown targets when fn is nil): state and the NF must not escape
// (MAE006), and, when the callee may write through its arguments, no
// argument may reach memory that outlives the packet (code: MAE013 for a
// known callee, MAE015 for unknown targets).
func (f *frame) checkArgs(c *ssa.CallCommon, fn *ssa.Function, pos token.Pos, mayWrite bool, code string) {
	callee := "a function value"
	if fn != nil {
		callee = strings.ReplaceAll(fn.String(), MaestroPath, "maestro")
	} else if c.IsInvoke() && c.Method != nil {
		callee = "interface method " + c.Method.Name()
	}
	args := c.Args
	if c.IsInvoke() {
		args = append([]ssa.Value{c.Value}, args...)
	}
	for _, arg := range args {
		f.checkArg(arg, pos, callee, mayWrite, code)
	}
}

// checkArg checks one argument of checkArgs.
func (f *frame) checkArg(arg ssa.Value, pos token.Pos, callee string, mayWrite bool, code string) {
	v := f.eval(arg)
	r := f.a.r
	switch v.k {
	case kState:
		r.report(arg.Pos(), "MAE006", "state field %s is passed to %s, outside the NF's package: the analysis cannot see what it does with it; call the container's methods in the NF's package instead", v.field, callee)
		return
	case kNF:
		r.report(pos, "MAE006", "the NF is passed to %s, which the analysis cannot follow: it could reach the state and fields behind the analysis' back", callee)
		return
	}
	t := arg.Type()
	if mi, ok := arg.(*ssa.MakeInterface); ok {
		t = mi.X.Type()
	}
	if !mayWrite || !hasRef(t) {
		return
	}
	switch v.k {
	case kNFAddr:
		if len(v.path) > 0 {
			f.reportMutable(v.path[0], pos, "passing &"+f.recvName()+"."+strings.Join(v.path, ".")+" to "+callee)
			return
		}
	case kGlobal:
		r.report(pos, "MAE008", "package-level variable %s is passed to %s, which may write it: every core would share it without synchronization", v.field, callee)
		return

	case kAddr:
		switch v.reg {
		case regLocal, regPacket:
			return
		case regFrame:
			f.a.writesFrame = true
			return
		}
	case kPacket:
		if v.field == "Data" {
			f.a.writesFrame = true
		}
		return
	case kPacketPtr:
		f.a.writesFrame = true
		return
	case kFunc:
		return
	case kConst:
		if v.c != nil || v.why == "constant" || v.why == "zero value" {
			return // nil or a constant: nothing to write through
		}
		if root, direct := f.nfRoot(arg); root != "" {
			if direct {
				f.reportMutable(root, pos, "passing "+f.recvName()+"."+root+" to "+callee+", which may write through it,")
				return
			}
			f.a.block(pos, "MAE013", "the call of %s may write memory reached through field %s of %s (a pointer or nested reference), which outlives the packet and is not a maestro container: a parallel NF would replicate it per core or race on it; pass a local copy, or keep mutable data in //maestro:state containers", callee, root, f.a.nf.obj.Name())
			return
		}
	}
	what := ""
	if code == "MAE015" {
		what = " (a dynamic call whose targets the analysis cannot all see)"
	}
	f.a.block(pos, code, "the call of %s%s may write through %s, memory that outlives the packet and is not a maestro container: a parallel NF would replicate it per core or race on it; pass a local copy, or keep mutable data in //maestro:state containers", callee, what, v.describe())
}

// checkEscape reports state passed as an argument of a container call
// (from is 1: the receiver itself is the container).
func (f *frame) checkEscape(c *ssa.CallCommon, from int) {
	for i := from; i < len(c.Args); i++ {
		if v := f.eval(c.Args[i]); v.k == kState || v.k == kNF {
			f.a.r.report(c.Args[i].Pos(), "MAE006", "state is stored in a container: the analysis tracks state by field; store values, not containers or the NF")
		}
	}
}

// checkBuiltin checks the builtins that write through an argument.
func (f *frame) checkBuiltin(c *ssa.CallCommon, pos token.Pos) {
	b := c.Value.(*ssa.Builtin)
	for _, arg := range c.Args {
		if v := f.eval(arg); v.k == kState {
			f.a.r.report(pos, "MAE006", "state field %s is passed to %s: keep state in its field and call its methods", v.field, b.Name())
		}
	}
	switch b.Name() {
	case "copy", "append", "clear", "delete":
		if len(c.Args) > 0 {
			f.checkArg(c.Args[0], pos, b.Name(), true, "MAE013")
		}
	}
}

// checkForeignContainer checks a container call whose receiver is not a
// //maestro:state field (fact 1). A read of a container that cannot be
// state (no state field has its type) is a read of configuration; a write
// to an unmarked field is MAE001; anything else is MAE014.
func (f *frame) checkForeignContainer(c *ssa.CallCommon, pos token.Pos) {
	k, m := containerMethod(c.StaticCallee())
	spec := specFor(k, m)
	if len(c.Args) == 0 {
		return
	}
	if spec.op == OpRead && !f.a.aliasesState(c.Args[0].Type()) {
		return
	}
	if spec.op != OpRead {
		recv := c.Args[0]
		if ld, ok := recv.(*ssa.UnOp); ok && ld.Op == token.MUL {
			if a := f.eval(ld.X); a.k == kNFAddr && len(a.path) == 1 {
				f.reportMutable(a.path[0], pos, "calls "+m)
				return
			}
		}
		if fa, ok := recv.(*ssa.Field); ok {
			if x := f.eval(fa.X); x.k == kNF {
				f.reportMutable(structFieldName(fa.X.Type(), fa.Field), pos, "calls "+m)
				return
			}
		}
	}
	f.a.block(pos, "MAE014", "%s is called on %s, a container that is not reached through a //maestro:state field: the analysis cannot tell which state it is, so it can neither shard nor lock it; keep each container in its own //maestro:state field and call it as %s.field.%s(...)",
		m, f.eval(c.Args[0]).describe(), f.recvName(), m)
}

// aliasesState reports whether a container of type t may be one of the
// NF's state containers.
func (a *nfAnalysis) aliasesState(t types.Type) bool {
	for _, fd := range a.nf.state {
		if fd.typ != nil && types.Identical(fd.typ, t) {
			return true
		}
	}
	return false
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
	if f.mayWrite(fail) || !f.failDrops(fail) {
		return
	}
	f.a.verifs = append(f.a.verifs, &verification{
		fr: f, acc: x.acc, entry: x.acc.state + "." + x.part + "." + strings.Join(x.path, "."),
		pkt: y, success: success, ports: f.blockPorts[b.Index],
	})
}

// failDrops reports whether the failing side of a verification, from
// block fail, does nothing but drop the packet (fact 6): no call and no
// store on the way, every return returns the constant maestro.Drop, and
// each enclosing frame returns the callee's verdict straight away.
func (f *frame) failDrops(fail *ssa.BasicBlock) bool {
	drops := !anyReachable(fail, func(b *ssa.BasicBlock) bool {
		for _, instr := range b.Instrs {
			switch in := instr.(type) {
			case ssa.CallInstruction, *ssa.Store, *ssa.MapUpdate, *ssa.Send:
				return true
			case *ssa.Return:
				if len(in.Results) != 1 || !isDropConst(in.Results[0]) {
					return true
				}
			}
		}
		return false
	})
	if !drops {
		return false
	}
	for g := f; g.parent != nil; g = g.parent {
		call, ok := g.site.(*ssa.Call)
		if !ok || call.Referrers() == nil {
			return false
		}
		for _, r := range *call.Referrers() {
			ret, ok := r.(*ssa.Return)
			if !ok || ret.Block() != call.Block() {
				return false
			}
		}
		after := false
		for _, instr := range call.Block().Instrs {
			if instr == call {
				after = true
				continue
			}
			if !after {
				continue
			}
			switch instr.(type) {
			case *ssa.Return, *ssa.DebugRef:
			default:
				return false
			}
		}
	}
	return true
}

// isDropConst reports whether v is the constant maestro.Drop.
func isDropConst(v ssa.Value) bool {
	c, ok := v.(*ssa.Const)
	if !ok || !isMaestroNamed(c.Type(), "Verdict") {
		return false
	}
	n, ok := constInt(c.Value)
	return ok && n == -1
}

// mayWrite reports whether a state write or refresh, or a call to a local
// function that may do one, is reachable from start in this function.
func (f *frame) mayWrite(start *ssa.BasicBlock) bool {
	return anyReachable(start, func(b *ssa.BasicBlock) bool {
		for _, instr := range b.Instrs {
			if c, ok := instr.(ssa.CallInstruction); ok && f.callMayWrite(c.Common(), 0) {
				return true
			}
		}
		return false
	})
}

// anyReachable reports whether pred holds for some block reachable from
// start (start included).
func anyReachable(start *ssa.BasicBlock, pred func(*ssa.BasicBlock) bool) bool {
	seen := map[*ssa.BasicBlock]bool{}
	work := []*ssa.BasicBlock{start}
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[b] {
			continue
		}
		seen[b] = true
		if pred(b) {
			return true
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
		return specFor(k, m).op != OpRead
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
	// What depends on the package alone is computed once for all roots.
	var taken *[]*ssa.Function
	var globalWrites map[string]string
	impls := map[implKey][]*ssa.Function{}
	for _, fn := range ssaRes.SrcFuncs {
		a := newNFAnalysis(pass, r, d, []int{0, 1, 2})
		a.ssaPkg, a.pkgFuncs = ssaRes.Pkg, ssaRes.SrcFuncs
		a.taken, a.impls, a.globalWrites = taken, impls, globalWrites
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
		taken, globalWrites = a.taken, a.globalWrites
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
