package stateaccess

import (
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"math"

	"golang.org/x/tools/go/ssa"
)

// Entry indexes observed. Which index an insert or an allocation takes
// depends on the entries every other key holds: a shared-nothing NF's
// per-core containers hand out their own indexes, so two runs agree on an
// index only while it addresses containers (a Vector slot, a table
// entry), where only the key it stands for matters. Once an index reaches
// anything else (the verdict, the packet, a branch, code outside the
// package), the parallel NF's behaviour depends on it, and only locks (one
// container, indexes taken in the serialised order) keep it equal to the
// sequential NF's (fact 9 of the package documentation, MAE021).
//
// checkIndexUses follows, flow-insensitively over the functions the walk
// reached, every index a container call returns (Find, Insert, Allocate;
// not IndexOf, a function of the value it is given) and every value read
// back from a container that stores one,
// through arithmetic, conversions, phis, local memory and the package's
// own calls. A use that is not one of those, or a container call, is an
// observation: the access that produced the index then reads the whole
// container (ac.counts), which forces locks when the container is
// written on the packet path. A read-only container's indexes are the
// same on every core and force nothing.
//
// Two things are not observations: a comparison of an index with a
// constant that no valid (non-negative) index can tell apart from another
// ("i < 0", "i == -1": a sentinel check), and ValueOf of a value table,
// whose values are the documented exception of RSS-aware pools (which
// free value an insert takes).

// idxTaint is the flow-insensitive state of checkIndexUses.
type idxTaint struct {
	a       *nfAnalysis
	root    *ssa.Function
	tainted map[ssa.Value]*access                   // value → the access whose index it carries
	holding map[string]*access                      // state field → the access whose index it stores
	fns     []*ssa.Function                         // functions on the packet path, each once
	calls   map[*ssa.Function][]ssa.CallInstruction // the calls of each that the walk followed
	callees map[ssa.CallInstruction][]*frame        // the frames each call runs
	changed bool
}

// checkIndexUses marks the accesses whose indexes are observed (see the
// comment above). It runs after the walk, before sharding.
func (a *nfAnalysis) checkIndexUses(process *ssa.Function) {
	t := &idxTaint{a: a, root: process, tainted: map[ssa.Value]*access{}, holding: map[string]*access{},
		calls: map[*ssa.Function][]ssa.CallInstruction{}, callees: map[ssa.CallInstruction][]*frame{}}
	seen := map[*ssa.Function]bool{}
	for _, f := range a.allFrames {
		if !seen[f.fn] {
			seen[f.fn] = true
			t.fns = append(t.fns, f.fn)
		}
		if f.site != nil {
			t.calls[f.fn] = append(t.calls[f.fn], f.site)
			t.callees[f.site] = append(t.callees[f.site], f)
		}
	}
	accs := map[ssa.CallInstruction]*access{}
	for _, ac := range a.accesses {
		accs[ac.call] = ac
	}
	for t.changed = true; t.changed; {
		t.changed = false
		for _, fn := range t.fns {
			for _, b := range fn.Blocks {
				for _, instr := range b.Instrs {
					t.propagate(instr, accs)
				}
			}
		}
	}
	for _, fn := range t.fns {
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if src, what := t.observes(instr, accs); src != nil && src.counts == "" {
					src.counts = fmt.Sprintf("the index %s.%s returns reaches %s at %s: which index an entry gets depends on the entries other keys hold, and per-core instances take their own",
						src.state, src.method, what, shortPos(a.pass.Fset, instrPos(instr, src)))
				}
			}
		}
	}
	for _, ac := range a.accesses {
		ac.eff = nil // effective keys derive from the sources' counts
	}
}

// instrPos is the position of instr, or of the source access when instr
// has none (a synthetic instruction).
func instrPos(instr ssa.Instruction, src *access) token.Pos {
	if p := instr.Pos(); p.IsValid() {
		return p
	}
	if in, ok := instr.(*ssa.If); ok && in.Cond.Pos().IsValid() {
		return in.Cond.Pos()
	}
	return src.pos
}

// taint records that v carries src's index.
func (t *idxTaint) taint(v ssa.Value, src *access) {
	if v == nil || src == nil {
		return
	}
	if _, ok := t.tainted[v]; !ok {
		t.tainted[v] = src
		t.changed = true
	}
}

// of returns the access whose index v carries, or nil.
func (t *idxTaint) of(v ssa.Value) *access { return t.tainted[v] }

// anyOf returns the first tainted operand of instr, or nil.
func (t *idxTaint) anyOf(instr ssa.Instruction) *access {
	for _, op := range instr.Operands(nil) {
		if op != nil && *op != nil {
			if src := t.of(*op); src != nil {
				return src
			}
		}
	}
	return nil
}

// indexResult returns the value of call that holds the index it returns:
// the call itself, or the first Extract of its tuple.
func indexResult(call ssa.CallInstruction, i int) []ssa.Value {
	v := call.Value()
	if v == nil {
		return nil
	}
	if _, ok := v.Type().(*types.Tuple); !ok {
		return []ssa.Value{v}
	}
	var out []ssa.Value
	if refs := v.Referrers(); refs != nil {
		for _, r := range *refs {
			if x, ok := r.(*ssa.Extract); ok && x.Index == i {
				out = append(out, x)
			}
		}
	}
	return out
}

// propagate applies instr's flow of indexes.
func (t *idxTaint) propagate(instr ssa.Instruction, accs map[ssa.CallInstruction]*access) {
	switch in := instr.(type) {
	case ssa.CallInstruction:
		if ac := accs[in]; ac != nil {
			switch {
			case ac.spec.result == "index" || ac.spec.result == "fresh":
				for _, v := range indexResult(in, 0) {
					t.taint(v, ac)
				}
			case ac.spec.result == "value" && t.holding[ac.state] != nil:
				for _, v := range indexResult(in, 0) {
					t.taint(v, t.holding[ac.state])
				}
			}
			if ac.spec.storeArg >= 0 {
				args := in.Common().Args[1:]
				if ac.spec.storeArg < len(args) {
					if src := t.of(args[ac.spec.storeArg]); src != nil && t.holding[ac.state] == nil {
						t.holding[ac.state] = src
						t.changed = true
					}
				}
			}
			return
		}
		if k, m := containerMethod(in.Common().StaticCallee()); k != "" {
			if m == "ValueOf" && !t.pooled(in) {
				if src := t.anyOf(in); src != nil && in.Value() != nil {
					t.taint(in.Value(), src) // base + index: the index itself
				}
			}
			return
		}
		t.propagateCall(in)
	case *ssa.Return:
		if in.Parent() == t.root {
			return
		}
		for i, r := range in.Results {
			src := t.of(r)
			if src == nil {
				continue
			}
			for _, call := range t.calls[in.Parent()] {
				for _, v := range indexResult(call, i) {
					t.taint(v, src)
				}
			}
		}
	case *ssa.Store:
		src := t.of(in.Val)
		if src == nil {
			src = t.of(in.Addr)
		}
		if src != nil {
			if root := localRoot(in.Addr); root != nil {
				t.taint(root, src)
			}
		}
	case *ssa.MakeClosure:
		fn, _ := in.Fn.(*ssa.Function)
		for i, b := range in.Bindings {
			if src := t.of(b); src != nil && fn != nil && i < len(fn.FreeVars) {
				t.taint(fn.FreeVars[i], src)
			}
		}
		if src := t.anyOf(in); src != nil {
			t.taint(in, src)
		}
	case *ssa.BinOp:
		if isComparison(in.Op) && sentinelCheck(in) {
			return
		}
		if src := t.anyOf(in); src != nil {
			t.taint(in, src)
		}
	case *ssa.Phi, *ssa.Convert, *ssa.ChangeType, *ssa.UnOp, *ssa.Extract, *ssa.Field, *ssa.Index,
		*ssa.FieldAddr, *ssa.IndexAddr, *ssa.MakeInterface, *ssa.Slice, *ssa.Lookup, *ssa.TypeAssert,
		*ssa.ChangeInterface, *ssa.SliceToArrayPointer, *ssa.MultiConvert:
		if src := t.anyOf(in); src != nil {
			t.taint(in.(ssa.Value), src)
		}
	}
}

// pooled reports whether the receiver of call (a ValueOf) is a value
// table the NF addresses by IndexOf: its values are then the RSS-aware
// pool's, whose choice is the documented exception (shard.go). ValueOf
// of any other table is its index plus a constant.
func (t *idxTaint) pooled(call ssa.CallInstruction) bool {
	recv := call.Common().Args
	if len(recv) == 0 {
		return false
	}
	for _, f := range t.a.allFrames {
		if f.fn != call.Parent() {
			continue
		}
		if v := f.eval(recv[0]); v.k == kState {
			for _, ac := range t.a.accesses {
				if ac.state == v.field && ac.method == "IndexOf" {
					return true
				}
			}
		}
		return false
	}
	return false
}

// propagateCall binds a tainted argument to the parameter of every callee
// the walk followed from this call, and marks results of the builtins and
// maestro functions that only compute.
func (t *idxTaint) propagateCall(call ssa.CallInstruction) {
	common := call.Common()
	if b, ok := common.Value.(*ssa.Builtin); ok {
		switch b.Name() {
		case "len", "cap", "min", "max", "append", "real", "imag", "complex":
			if src := t.anyOf(call); src != nil && call.Value() != nil {
				t.taint(call.Value(), src)
			}
		}
		return
	}
	args := common.Args
	if common.IsInvoke() {
		args = append([]ssa.Value{common.Value}, args...)
	}
	for _, f := range t.callees[call] {
		params := f.fn.Params
		shift := len(params) - len(args) // 1 for a bound receiver
		for i, arg := range args {
			src := t.of(arg)
			if src == nil {
				continue
			}
			if j := i + shift; j >= 0 && j < len(params) {
				t.taint(params[j], src)
			} else {
				for _, p := range params {
					t.taint(p, src)
				}
			}
		}
	}
	if fn := common.StaticCallee(); fn != nil && pkgPath(fn) == MaestroPath && fn.Signature.Recv() == nil {
		// maestro.Forward, MakeFlowID: values of their arguments.
		if src := t.anyOf(call); src != nil && call.Value() != nil {
			t.taint(call.Value(), src)
		}
	}
}

// observes returns the access whose index instr lets out, and what it
// reaches, or nil.
func (t *idxTaint) observes(instr ssa.Instruction, accs map[ssa.CallInstruction]*access) (*access, string) {
	switch in := instr.(type) {
	case ssa.CallInstruction:
		if k, _ := containerMethod(in.Common().StaticCallee()); accs[in] != nil || k != "" {
			return nil, "" // addressing or storing in a container
		}
		src := t.anyOf(in)
		if src == nil {
			return nil, ""
		}
		common := in.Common()
		if b, ok := common.Value.(*ssa.Builtin); ok {
			switch b.Name() {
			case "len", "cap", "min", "max", "append", "real", "imag", "complex":
				return nil, ""
			}
			return src, "builtin " + b.Name()
		}
		if len(t.callees[in]) > 0 {
			return nil, "" // followed: its parameters carry the index
		}
		if fn := common.StaticCallee(); fn != nil && pkgPath(fn) == MaestroPath && fn.Signature.Recv() == nil {
			return nil, ""
		}
		if fn := common.StaticCallee(); fn != nil {
			return src, "a call of " + fn.Name()
		}
		return src, "a dynamic call"
	case *ssa.Return:
		if in.Parent() == t.root {
			if src := t.anyOf(in); src != nil {
				return src, "the verdict"
			}
		}
	case *ssa.If:
		if src := t.of(in.Cond); src != nil {
			return src, "a branch"
		}
	case *ssa.Store:
		src := t.of(in.Val)
		if src == nil {
			src = t.of(in.Addr)
		}
		if src != nil && localRoot(in.Addr) == nil {
			return src, "a store to memory that outlives the packet's local variables"
		}
	case *ssa.Panic, *ssa.Send, *ssa.MapUpdate, *ssa.Select:
		if src := t.anyOf(in); src != nil {
			return src, "a statement that shows it"
		}
	}
	return nil, ""
}

// localRoot returns the allocation an address is derived from (through
// field and element addresses and slicing): a local variable (Alloc) or a
// slice made on the packet path; nil when it points elsewhere (the packet,
// the NF, configuration, state).
func localRoot(addr ssa.Value) ssa.Value {
	for range 64 {
		switch x := addr.(type) {
		case *ssa.Alloc, *ssa.MakeSlice:
			return x
		case *ssa.FieldAddr:
			addr = x.X
		case *ssa.IndexAddr:
			addr = x.X
		case *ssa.Slice:
			addr = x.X
		default:
			return nil
		}
	}
	return nil
}

func isComparison(op token.Token) bool {
	switch op {
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return true
	}
	return false
}

// sentinelCheck reports whether comparison c compares a value with a
// constant in a way no two valid (non-negative) indexes answer
// differently: it then only tells a "no entry" sentinel from an index.
func sentinelCheck(c *ssa.BinOp) bool {
	x, y, op := c.X, c.Y, c.Op
	k, ok := y.(*ssa.Const)
	if !ok {
		if k, ok = x.(*ssa.Const); !ok {
			return false
		}
		x = y
		switch op { // c OP x  ==  x OP' c
		case token.LSS:
			op = token.GTR
		case token.LEQ:
			op = token.GEQ
		case token.GTR:
			op = token.LSS
		case token.GEQ:
			op = token.LEQ
		}
	}
	if k.Value == nil || k.Value.Kind() != constant.Int {
		return false
	}
	n, exact := constant.Int64Val(k.Value)
	if !exact {
		return false
	}
	at := func(i int64) bool {
		switch op {
		case token.EQL:
			return i == n
		case token.NEQ:
			return i != n
		case token.LSS:
			return i < n
		case token.LEQ:
			return i <= n
		case token.GTR:
			return i > n
		default:
			return i >= n
		}
	}
	switch op {
	case token.EQL, token.NEQ:
		return n < 0
	}
	return at(0) == at(math.MaxInt64) // monotone: constant over the valid indexes
}
