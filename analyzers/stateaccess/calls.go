package stateaccess

import (
	"go/types"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Calls (fact 1 of the package documentation). Static calls into the
// package are followed in a frame per call site. Dynamic calls are
// resolved: a function value the walk tracked (a closure made on the path,
// a method value such as f.flows.Insert, a package function) has one
// target; an interface call on a value converted on the path has one
// target; other interface calls run any method of the package's types that
// implements the interface (class hierarchy analysis over the package), and
// calls of untracked function values run any function of the package whose
// address is taken and whose signature matches. When code outside the
// package may run too (an interface that foreign types can implement, a
// function value from configuration), that code must not be handed anything
// that reaches the NF's memory (MAE015).

// target is one function a call may run, with what the call binds.
type target struct {
	fn    *ssa.Function
	recv  *val   // interface calls: the receiver
	binds []*val // closure bindings, in FreeVars order; nil: unknown
	// opaqueParams: the function is called by code the analysis does not
	// see (a function value handed to an external function), so its
	// parameters are unknown.
	opaqueParams bool
}

// dynTargets resolves a call with no static callee. unknown reports that
// code the analysis cannot see may run as well; ext is a single external
// function the value was tracked to.
func (f *frame) dynTargets(c *ssa.CallCommon) (ts []target, unknown bool, ext *ssa.Function) {
	a := f.a
	if c.IsInvoke() {
		if mi, ok := c.Value.(*ssa.MakeInterface); ok {
			if fn := a.prog().LookupMethod(mi.X.Type(), c.Method.Pkg(), c.Method.Name()); fn != nil {
				if f.body(fn) != nil {
					return []target{{fn: fn, recv: f.eval(mi.X)}}, false, nil
				}
				return nil, false, fn
			}
		}
		iface, _ := c.Value.Type().Underlying().(*types.Interface)
		if iface == nil {
			return nil, true, nil
		}
		recv := f.eval(c.Value)
		for _, fn := range a.implementations(iface, c.Method) {
			ts = append(ts, target{fn: fn, recv: recv})
		}
		return ts, !closedInterface(iface, a.pass.Pkg), nil
	}
	if _, ok := c.Value.(*ssa.Builtin); ok {
		return nil, false, nil
	}
	v := f.eval(c.Value)
	if v.k == kFunc && v.fn != nil {
		if f.body(v.fn) != nil {
			return []target{{fn: v.fn, binds: v.binds}}, false, nil
		}
		return nil, false, v.fn
	}
	sig := c.Signature()
	for _, fn := range a.addrTaken() {
		if types.Identical(fn.Signature, sig) {
			ts = append(ts, target{fn: fn})
		}
	}
	return ts, true, nil
}

// prog returns the SSA program of the package.
func (a *nfAnalysis) prog() *ssa.Program { return a.ssaPkg.Prog }

// closedInterface reports whether only types of pkg can implement iface:
// it has a method unexported in pkg.
func closedInterface(iface *types.Interface, pkg *types.Package) bool {
	for i := 0; i < iface.NumMethods(); i++ {
		m := iface.Method(i)
		if !m.Exported() && m.Pkg() == pkg {
			return true
		}
	}
	return false
}

// implKey identifies a call of implementations.
type implKey struct {
	iface *types.Interface
	m     *types.Func
}

// implementations returns the methods named like m of the package's types
// (T and *T) that implement iface. Answers are remembered: a walk asks for
// the same interface method at every dynamic call of it.
func (a *nfAnalysis) implementations(iface *types.Interface, m *types.Func) []*ssa.Function {
	k := implKey{iface, m}
	if out, ok := a.impls[k]; ok {
		return out
	}
	out := a.findImplementations(iface, m)
	if a.impls == nil {
		a.impls = map[implKey][]*ssa.Function{}
	}
	a.impls[k] = out
	return out
}

func (a *nfAnalysis) findImplementations(iface *types.Interface, m *types.Func) []*ssa.Function {
	var out []*ssa.Function
	scope := a.pass.Pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		named, ok := tn.Type().(*types.Named)
		if !ok || named.TypeParams().Len() > 0 {
			continue
		}
		if _, isIface := named.Underlying().(*types.Interface); isIface {
			continue
		}
		for _, t := range []types.Type{named, types.NewPointer(named)} {
			if !types.Implements(t, iface) {
				continue
			}
			if fn := a.prog().LookupMethod(t, m.Pkg(), m.Name()); fn != nil {
				out = append(out, fn)
			}
			break // the value method set is included in the pointer's
		}
	}
	return out
}

// addrTaken returns the functions of the package used as values (not only
// called): the targets an untracked function value may have.
func (a *nfAnalysis) addrTaken() []*ssa.Function {
	if a.taken != nil {
		return *a.taken
	}
	seen := map[*ssa.Function]bool{}
	var out []*ssa.Function
	add := func(fn *ssa.Function) {
		if fn != nil && !seen[fn] {
			seen[fn] = true
			out = append(out, fn)
		}
	}
	a.valueOperands(func(_ ssa.Instruction, v ssa.Value) {
		switch x := v.(type) {
		case *ssa.Function:
			add(x)
		case *ssa.MakeClosure:
			if fn, ok := x.Fn.(*ssa.Function); ok {
				add(fn)
			}
		}
	})
	for _, fn := range a.pkgFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if mc, ok := instr.(*ssa.MakeClosure); ok {
					if fn, ok := mc.Fn.(*ssa.Function); ok {
						add(fn)
					}
				}
			}
		}
	}
	a.taken = &out
	return out
}

// childFor returns the frame of target t called at call, creating it on
// first use; nil (after a MAE016 finding) for recursion and beyond the
// bounds.
func (f *frame) childFor(call ssa.CallInstruction, t target) *frame {
	k := childKey{call, t.fn}
	if c, ok := f.children[k]; ok {
		return c
	}
	fn := f.body(t.fn)
	if fn == nil {
		f.children[k] = nil
		return nil
	}
	if f.onStack(fn) {
		f.children[k] = nil
		f.a.incomplete(call.Pos(), "recursive call of %s on the packet path: the analysis follows each call into its callee and cannot bound recursion; make it a loop", fn.Name())
		return nil
	}
	if f.depth >= maxDepth {
		f.children[k] = nil
		f.a.incomplete(call.Pos(), "call of %s is %d calls deep from Process, beyond the analysis' bound: flatten the helpers", fn.Name(), f.depth+1)
		return nil
	}
	common := call.Common()
	params := map[ssa.Value]*val{}
	args := common.Args
	if common.IsInvoke() {
		args = append([]ssa.Value{common.Value}, args...)
	}
	for i, p := range fn.Params {
		switch {
		case t.opaqueParams:
			params[p] = opaque("parameter %s of %s, called by code the analysis does not see", p.Name(), fn.Name())
		case i == 0 && t.recv != nil:
			params[p] = t.recv
		case t.recv != nil && i-1 < len(common.Args):
			params[p] = f.eval(common.Args[i-1])
		case t.recv == nil && i < len(args):
			params[p] = f.eval(args[i])
		}
	}
	for i, fv := range fn.FreeVars {
		if t.binds != nil && i < len(t.binds) {
			params[fv] = t.binds[i]
		} else {
			params[fv] = &val{k: kOpaque, why: "variable captured by " + fn.Name() + " where it was created"}
		}
	}
	ports := f.a.all
	if b := call.Block(); b != nil && b.Index < len(f.blockPorts) {
		ports = f.blockPorts[b.Index]
	}
	c := f.a.newFrame(f, call.Block(), fn, params, ports)
	if c != nil {
		c.site = call
		c.entryDirty = f.rewrittenAt(call)
	} else {
		f.a.incomplete(call.Pos(), "the packet path is too large to analyse completely (more than %d call sites): simplify it", maxFrames)
	}
	f.children[k] = c
	return c
}

// childKey identifies a child frame: a call site and one of its targets.
type childKey struct {
	call ssa.CallInstruction
	fn   *ssa.Function
}

// readOnlyExternal reports whether fn, outside the package, is known not
// to write through its arguments.
func readOnlyExternal(fn *ssa.Function) bool {
	if fn == nil {
		return false
	}
	path := pkgPath(fn)
	name := fn.Name()
	if obj := fn.Object(); obj != nil {
		name = obj.Name()
	}
	recv := fn.Signature.Recv() != nil
	if recv && path == "time" {
		_, ptr := fn.Signature.Recv().Type().Underlying().(*types.Pointer)
		return !ptr // Time and Duration methods on values read their copy
	}
	switch path {
	case "strings", "math", "math/bits", "unicode", "unicode/utf8", "unicode/utf16", "net/netip", "hash/crc32", "hash/crc64", "hash/adler32", "hash/fnv", "hash/maphash", "errors":
		if !recv || path == "net/netip" {
			return !strings.HasPrefix(name, "Append") && name != "Reset" && name != "Write"
		}
	case "bytes":
		return !recv
	case "slices":
		switch name {
		case "Contains", "ContainsFunc", "Index", "IndexFunc", "Equal", "EqualFunc", "Compare", "CompareFunc",
			"BinarySearch", "BinarySearchFunc", "Max", "MaxFunc", "Min", "MinFunc", "IsSorted", "IsSortedFunc", "Clone":
			return true
		}
	case "encoding/binary":
		switch name {
		case "Uint16", "Uint32", "Uint64", "String", "GoString":
			return true
		}
	case "strconv":
		return !strings.HasPrefix(name, "Append")
	case MaestroPath:
		if recv && isPacketPtr(fn.Signature.Recv().Type()) {
			return packetReaders[name] // setters, Parse and Reset write the Packet
		}
		return name != "AppendFrame"
	}
	return false
}

// hasRef reports whether a value of type t can reach memory other than
// itself: pointers, slices, maps, channels, functions, interfaces, or
// aggregates holding one.
func hasRef(t types.Type) bool {
	return hasRefDepth(t, 0)
}

func hasRefDepth(t types.Type, depth int) bool {
	if depth > 8 {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if hasRefDepth(u.Field(i).Type(), depth+1) {
				return true
			}
		}
		return false
	case *types.Array:
		return hasRefDepth(u.Elem(), depth+1)
	case *types.Tuple:
		for i := 0; i < u.Len(); i++ {
			if hasRefDepth(u.At(i).Type(), depth+1) {
				return true
			}
		}
		return false
	}
	return true
}

// checkTimeValues reports time.Now, Since and Until taken as function
// values anywhere in the package (var now = time.Now): a call through such
// a value on the packet path reads the wall clock behind MAE005's back, and
// the analysis cannot tell which calls of untracked function values reach
// it.
func (a *nfAnalysis) checkTimeValues() {
	a.valueOperands(func(instr ssa.Instruction, v ssa.Value) {
		tf, ok := v.(*ssa.Function)
		if !ok || tf.Signature.Recv() != nil || pkgPath(tf) != "time" {
			return
		}
		switch tf.Name() {
		case "Now", "Since", "Until":
			pos := instr.Pos()
			if !pos.IsValid() {
				pos = instr.Parent().Pos()
			}
			a.r.report(pos, "MAE005", "time.%s is used as a function value: calls through it on the packet path would read the wall clock; use p.Time (nanoseconds) so that runs replay exactly", tf.Name())
		}
	})
}

// valueOperands calls visit for every operand of every instruction of the
// package's functions that is used as a value, not called directly: the
// ways a function's address is taken.
func (a *nfAnalysis) valueOperands(visit func(ssa.Instruction, ssa.Value)) {
	var rands []*ssa.Value
	for _, fn := range a.pkgFuncs {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				var callee ssa.Value
				if c, ok := instr.(ssa.CallInstruction); ok && !c.Common().IsInvoke() {
					callee = c.Common().Value
				}
				rands = instr.Operands(rands[:0])
				for _, r := range rands {
					if r != nil && *r != nil && *r != callee {
						visit(instr, *r)
					}
				}
			}
		}
	}
}
