package stateaccess

import (
	"fmt"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// Bounds of the inter-procedural walk. Helpers are analysed once per call
// site (context-sensitively, like inlining); these keep pathological code
// (deep or exponential call trees) from costing more than a vet run should.
const (
	maxDepth  = 24
	maxFrames = 4000
)

// methodSpec describes one container method.
type methodSpec struct {
	op       string // OpRead, OpRefresh or OpWrite
	keyArg   int    // argument (after the receiver) holding the key or index; -1 when keyless
	space    string // "key" or "index" when keyed
	result   string // what the first result is: "index", "fresh", "value", "key" or "other"
	storeArg int    // argument holding the stored value; -1 when none
	fixed    bool   // keyless read of something that never changes (Vector.Len)
	expire   bool   // keyless time-based expiry
}

var methodSpecs = map[string]map[string]methodSpec{
	"Map": {
		"Get":    {op: OpRead, keyArg: 0, space: "key", result: "value", storeArg: -1},
		"Has":    {op: OpRead, keyArg: 0, space: "key", result: "other", storeArg: -1},
		"Len":    {op: OpRead, keyArg: -1, result: "other", storeArg: -1},
		"Put":    {op: OpWrite, keyArg: 0, space: "key", result: "other", storeArg: 1},
		"Delete": {op: OpWrite, keyArg: 0, space: "key", result: "other", storeArg: -1},
	},
	"Table": {
		"Find":        {op: OpRead, keyArg: 0, space: "key", result: "index", storeArg: -1},
		"Has":         {op: OpRead, keyArg: 0, space: "key", result: "other", storeArg: -1},
		"Get":         {op: OpRead, keyArg: 0, space: "key", result: "value", storeArg: -1},
		"Valid":       {op: OpRead, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"At":          {op: OpRead, keyArg: 0, space: "index", result: "value", storeArg: -1},
		"Key":         {op: OpRead, keyArg: 0, space: "index", result: "key", storeArg: -1},
		"Time":        {op: OpRead, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"Len":         {op: OpRead, keyArg: -1, result: "other", storeArg: -1},
		"Refresh":     {op: OpRefresh, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"Insert":      {op: OpWrite, keyArg: 0, space: "key", result: "fresh", storeArg: 1},
		"Set":         {op: OpWrite, keyArg: 0, space: "index", result: "other", storeArg: 1},
		"Remove":      {op: OpWrite, keyArg: 0, space: "key", result: "other", storeArg: -1},
		"RemoveIndex": {op: OpWrite, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"Expire":      {op: OpWrite, keyArg: -1, result: "other", storeArg: -1, expire: true},
	},
	"Vector": {
		"At":  {op: OpRead, keyArg: 0, space: "index", result: "value", storeArg: -1},
		"Len": {op: OpRead, keyArg: -1, result: "other", storeArg: -1, fixed: true},
		"Set": {op: OpWrite, keyArg: 0, space: "index", result: "other", storeArg: 1},
	},
	"Allocator": {
		"IsAllocated": {op: OpRead, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"Time":        {op: OpRead, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"Len":         {op: OpRead, keyArg: -1, result: "other", storeArg: -1},
		"Refresh":     {op: OpRefresh, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"Allocate":    {op: OpWrite, keyArg: -1, result: "fresh", storeArg: -1},
		"Free":        {op: OpWrite, keyArg: 0, space: "index", result: "other", storeArg: -1},
		"Expire":      {op: OpWrite, keyArg: -1, result: "other", storeArg: -1, expire: true},
	},
	"CountMin": {
		"Estimate": {op: OpRead, keyArg: 0, space: "key", result: "other", storeArg: -1},
		"Add":      {op: OpWrite, keyArg: 0, space: "key", result: "other", storeArg: -1},
		"Expire":   {op: OpWrite, keyArg: -1, result: "other", storeArg: -1, expire: true},
	},
}

// access is one container call reached in one frame.
type access struct {
	a      *nfAnalysis
	state  string // state field name
	kind   string
	method string
	spec   methodSpec
	call   ssa.CallInstruction
	fr     *frame
	block  *ssa.BasicBlock
	pos    token.Pos
	ports  portSet
	keyV   *val // nil when keyless
	stored *val // value stored by Insert/Set/Put, nil otherwise
	eff    *effKey
	effOn  bool // eff is being computed (cycle guard)
}

func (ac *access) label() string {
	return fmt.Sprintf("%s.%s at %s", ac.state, ac.method, shortPos(ac.a.pass.Fset, ac.pos))
}

// portSet is a set of ports as a bit set over nfAnalysis.universe.
type portSet uint64

// nfAnalysis is the walk of one NF's packet path.
type nfAnalysis struct {
	pass     *analysis.Pass
	r        *reporter
	nf       *nfDecl
	universe []int
	all      portSet
	frames   int
	accesses []*access
	verifs   []*verification
	compared map[int]bool // port constants compared with InPort
	writes   map[*ssa.Function]bool
	budget   bool // maxFrames was hit
	limit    int  // frame budget (maxFrames unless analyzeAll lowers it)
}

func newNFAnalysis(pass *analysis.Pass, r *reporter, d *nfDecl, universe []int) *nfAnalysis {
	if len(universe) > 64 {
		universe = universe[:64]
	}
	a := &nfAnalysis{pass: pass, r: r, nf: d, universe: universe, compared: map[int]bool{}, writes: map[*ssa.Function]bool{}, limit: maxFrames}
	a.all = portSet(uint64(1)<<len(universe) - 1)
	if len(universe) == 64 {
		a.all = ^portSet(0)
	}
	return a
}

func (a *nfAnalysis) portBit(p int64) (portSet, bool) {
	for i, u := range a.universe {
		if int64(u) == p {
			return portSet(1) << i, true
		}
	}
	return 0, false
}

// ports lists a set; nil means every port.
func (a *nfAnalysis) ports(s portSet) []int {
	if s == a.all {
		return nil
	}
	out := []int{}
	for i, u := range a.universe {
		if s&(portSet(1)<<i) != 0 {
			out = append(out, u)
		}
	}
	return out
}

// frame is one function analysed in one calling context.
type frame struct {
	a          *nfAnalysis
	fn         *ssa.Function
	parent     *frame
	siteBlock  *ssa.BasicBlock // block of the call site in parent
	params     map[ssa.Value]*val
	ports      portSet
	blockPorts []portSet
	cache      map[ssa.Value]*val
	children   map[ssa.CallInstruction]*frame
	accs       map[ssa.CallInstruction]*access
	depth      int
	visited    bool
	ret        []*val // joined results, computed on demand
}

// run walks the packet path from Process.
func (a *nfAnalysis) run(process *ssa.Function) {
	params := map[ssa.Value]*val{}
	if len(process.Params) == 2 {
		params[process.Params[0]] = &val{k: kNF}
		params[process.Params[1]] = &val{k: kPacketPtr}
	}
	root := a.newFrame(nil, nil, process, params, a.all)
	if root != nil {
		root.visit()
	}
}

func (a *nfAnalysis) newFrame(parent *frame, site *ssa.BasicBlock, fn *ssa.Function, params map[ssa.Value]*val, ports portSet) *frame {
	if a.frames >= a.limit {
		a.budget = true
		return nil
	}
	a.frames++
	f := &frame{a: a, fn: fn, parent: parent, siteBlock: site, params: params, ports: ports,
		cache: map[ssa.Value]*val{}, children: map[ssa.CallInstruction]*frame{}, accs: map[ssa.CallInstruction]*access{}}
	if parent != nil {
		f.depth = parent.depth + 1
	}
	f.computePorts()
	return f
}

// onStack reports whether fn is being analysed in f or an ancestor.
func (f *frame) onStack(fn *ssa.Function) bool {
	for g := f; g != nil; g = g.parent {
		if g.fn == fn {
			return true
		}
	}
	return false
}

// computePorts propagates the input-port set through the CFG: an edge out
// of "if p.InPort == C" carries {C} on the true side and the rest on the
// false side.
func (f *frame) computePorts() {
	n := len(f.fn.Blocks)
	f.blockPorts = make([]portSet, n)
	if n == 0 {
		return
	}
	f.blockPorts[0] = f.ports
	if f.fn.Recover != nil {
		f.blockPorts[f.fn.Recover.Index] = f.ports
	}
	work := []*ssa.BasicBlock{f.fn.Blocks[0]}
	inWork := make([]bool, n)
	inWork[0] = true
	for len(work) > 0 {
		b := work[len(work)-1]
		work = work[:len(work)-1]
		inWork[b.Index] = false
		in := f.blockPorts[b.Index]
		outs := make([]portSet, len(b.Succs))
		for i := range outs {
			outs[i] = in
		}
		if len(b.Instrs) > 0 {
			if iff, ok := b.Instrs[len(b.Instrs)-1].(*ssa.If); ok && len(b.Succs) == 2 {
				if s, ok := f.portCond(iff.Cond, 0); ok {
					outs[0] = in & s
					outs[1] = in &^ s
				}
			}
		}
		for i, s := range b.Succs {
			if s.Index < 0 || s.Index >= n {
				continue
			}
			nw := f.blockPorts[s.Index] | outs[i]
			if nw != f.blockPorts[s.Index] {
				f.blockPorts[s.Index] = nw
				if !inWork[s.Index] {
					inWork[s.Index] = true
					work = append(work, s)
				}
			}
		}
	}
}

// portCond recognizes a condition on the input port and returns the set
// of ports for which it is true.
func (f *frame) portCond(cond ssa.Value, depth int) (portSet, bool) {
	if depth > 8 {
		return 0, false
	}
	switch c := cond.(type) {
	case *ssa.UnOp:
		if c.Op == token.NOT {
			if s, ok := f.portCond(c.X, depth+1); ok {
				return f.a.all &^ s, true
			}
		}
	case *ssa.BinOp:
		if c.Op != token.EQL && c.Op != token.NEQ {
			return 0, false
		}
		x, y := f.eval(c.X), f.eval(c.Y)
		other := c.Y
		if !(x.k == kPacket && x.field == "InPort") {
			if !(y.k == kPacket && y.field == "InPort") {
				return 0, false
			}
			x, y, other = y, x, c.X
		}
		cv, known := constInt(y.c)
		if _, isConst := other.(*ssa.Const); !isConst || y.k != kConst || !known {
			// Comparisons with data read from state (a learning bridge's
			// "same port as learned") or with other packet fields are NF
			// logic, not port dispatch; a comparison with configuration, a
			// parameter or anything else unknown is an attempt at port
			// dispatch the analysis cannot follow.
			if y.k != kEntry && y.k != kPacket && y.k != kIndex {
				f.a.r.report(c.Pos(), "MAE009", "p.InPort is compared with %s, not a maestro.Port constant: the analysis assumes both branches run on any port; compare with a constant (const WAN maestro.Port = 1)", y.describe())
			}
			return 0, false
		}
		f.a.compared[int(cv)] = true
		bit, ok := f.a.portBit(cv)
		if !ok {
			bit = 0 // a port the NF does not declare: never equal to one it does
		}
		if c.Op == token.NEQ {
			return f.a.all &^ bit, true
		}
		return bit, true
	}
	return 0, false
}

// eval returns the abstract value of v in this frame.
func (f *frame) eval(v ssa.Value) *val {
	if v == nil {
		return opaque("no value")
	}
	if r, ok := f.cache[v]; ok {
		if r == nil {
			return &val{k: kLoop}
		}
		return r
	}
	f.cache[v] = nil // in progress: a cycle through v is a loop
	r := f.eval1(v)
	f.cache[v] = r
	return r
}

func (f *frame) eval1(v ssa.Value) *val {
	switch v := v.(type) {
	case *ssa.Const:
		return &val{k: kConst, c: v.Value, why: "constant"}
	case *ssa.Parameter, *ssa.FreeVar:
		if p, ok := f.params[v]; ok && p != nil {
			return p
		}
		return opaque("parameter %s", v.Name())
	case *ssa.Global:
		return &val{k: kGlobal, field: v.Name()}
	case *ssa.Function:
		return opaque("function value %s", v.Name())
	case *ssa.Alloc:
		return &val{k: kAddr, inner: f.allocContent(v)}
	case *ssa.FieldAddr:
		return f.fieldAddr(v)
	case *ssa.IndexAddr:
		base := f.eval(v.X)
		if base.k == kNFAddr {
			return base // an element of an array field: the field itself, for writes and config reads
		}
		if base.k == kAddr && base.inner != nil && base.inner.k == kConst {
			return &val{k: kAddr, inner: &val{k: kConst, why: base.inner.why}}
		}
		if base.k == kConst {
			return &val{k: kAddr, inner: &val{k: kConst, why: base.why}}
		}
		return &val{k: kAddr, inner: opaque("element of %s", base.describe())}
	case *ssa.UnOp:
		x := f.eval(v.X)
		switch v.Op {
		case token.MUL:
			return f.load(x)
		case token.ARROW:
			return opaque("channel receive")
		}
		return x // -x, ^x and !x are bijections
	case *ssa.BinOp:
		return arith(v.Op, f.eval(v.X), f.eval(v.Y), v.Type())
	case *ssa.Convert:
		x := f.eval(v.X)
		if x.k == kPacket {
			if w := bitsOf(v.Type()); w > 0 && w < 32 {
				out := *x
				out.mask &= widthMask(w)
				return &out
			}
		}
		return x
	case *ssa.ChangeType:
		return f.eval(v.X)
	case *ssa.MultiConvert:
		return f.eval(v.X)
	case *ssa.MakeInterface:
		return f.eval(v.X)
	case *ssa.ChangeInterface:
		return f.eval(v.X)
	case *ssa.Field:
		x := f.eval(v.X)
		name := structFieldName(v.X.Type(), v.Field)
		if x.k == kNF {
			return f.nfFieldLoad([]string{name})
		}
		return x.comp(name)
	case *ssa.Extract:
		return f.result(v.Tuple, v.Index)
	case *ssa.Call:
		return f.result(v, 0)
	case *ssa.Phi:
		var in []*val
		for _, e := range v.Edges {
			if e == v {
				continue
			}
			in = append(in, f.eval(e))
		}
		return join(in)
	}
	return opaque("%s", ssaDesc(v))
}

// structFieldName returns the name of field i of the struct t (or *t).
func structFieldName(t types.Type, i int) string {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || i < 0 || i >= st.NumFields() {
		return fmt.Sprintf("#%d", i)
	}
	return st.Field(i).Name()
}

func (f *frame) fieldAddr(v *ssa.FieldAddr) *val {
	name := structFieldName(v.X.Type(), v.Field)
	base := f.eval(v.X)
	switch base.k {
	case kPacketPtr:
		return &val{k: kAddr, inner: packetField(name)}
	case kNF:
		return &val{k: kNFAddr, path: []string{name}}
	case kNFAddr:
		return &val{k: kNFAddr, path: append(append([]string(nil), base.path...), name)}
	case kAddr:
		if base.inner != nil {
			return &val{k: kAddr, inner: base.inner.comp(name)}
		}
	case kConst:
		return &val{k: kAddr, inner: &val{k: kConst, why: base.why}}
	case kEntry:
		return &val{k: kAddr, inner: base.comp(name)}
	}
	return &val{k: kAddr, inner: opaque("field %s through %s", name, base.describe())}
}

// load returns what reading through the address x yields.
func (f *frame) load(x *val) *val {
	switch x.k {
	case kAddr:
		if x.inner != nil {
			return x.inner
		}
	case kNFAddr:
		return f.nfFieldLoad(x.path)
	case kGlobal:
		return &val{k: kConst, why: "package-level variable " + x.field}
	case kPacketPtr, kNF, kConst, kEntry, kLoop:
		return x
	}
	return opaque("load through %s", x.describe())
}

// nfFieldLoad is the value of a field path of the NF: a state container,
// or configuration (read-only after the constructor).
func (f *frame) nfFieldLoad(path []string) *val {
	if len(path) == 1 {
		if fd, ok := f.a.nf.fields[path[0]]; ok && fd.isState && fd.kind != "" {
			return &val{k: kState, field: path[0]}
		}
	}
	if fd, ok := f.a.nf.fields[path[0]]; ok && fd.isState {
		return opaque("inside state field %s", path[0])
	}
	return &val{k: kConst, why: "configuration " + f.recvName() + "." + strings.Join(path, ".")}
}

func (f *frame) recvName() string {
	for g := f; g != nil; g = g.parent {
		if g.fn.Signature.Recv() != nil && len(g.fn.Params) > 0 {
			return g.fn.Params[0].Name()
		}
	}
	return "nf"
}

// allocContent is the value stored in a local variable whose address is
// taken (composite literals, variables captured by closures): the join of
// every store to it or to its fields. Stores are joined without regard to
// order, which is exact for composite literals and conservative otherwise.
func (f *frame) allocContent(alloc *ssa.Alloc) *val {
	refs := alloc.Referrers()
	if refs == nil {
		return opaque("local variable")
	}
	elem := alloc.Type()
	if p, ok := elem.Underlying().(*types.Pointer); ok {
		elem = p.Elem()
	}
	var whole []*val
	fieldStores := map[int][]*val{}
	for _, ref := range *refs {
		switch r := ref.(type) {
		case *ssa.Store:
			if r.Addr == alloc {
				whole = append(whole, f.eval(r.Val))
			}
		case *ssa.FieldAddr:
			if frefs := r.Referrers(); frefs != nil {
				for _, fr := range *frefs {
					if st, ok := fr.(*ssa.Store); ok && st.Addr == r {
						fieldStores[r.Field] = append(fieldStores[r.Field], f.eval(st.Val))
					}
				}
			}
		case *ssa.UnOp, *ssa.DebugRef:
			// loads and debug info do not change the variable
		case ssa.CallInstruction:
			if c := r.Common(); c != nil {
				if callee := c.StaticCallee(); callee != nil && f.samePackage(callee) {
					continue // a helper of the package: its stores are its own business
				}
			}
			return opaque("local variable passed to a call")
		default:
			// IndexAddr, MakeClosure, ...: content may change unseen.
			if _, ok := elem.Underlying().(*types.Struct); !ok {
				return opaque("local variable used by %s", strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", ref), "*ssa.")))
			}
		}
	}
	st, isStruct := elem.Underlying().(*types.Struct)
	if !isStruct {
		if len(whole) == 0 {
			return &val{k: kConst, why: "zero value"}
		}
		return join(whole)
	}
	out := &val{k: kStruct}
	for i := 0; i < st.NumFields(); i++ {
		name := st.Field(i).Name()
		var vs []*val
		for _, w := range whole {
			vs = append(vs, w.comp(name))
		}
		vs = append(vs, fieldStores[i]...)
		if len(vs) == 0 {
			vs = []*val{{k: kConst, why: "zero value"}}
		}
		out.comps = append(out.comps, comp{name, join(vs)})
	}
	return out
}

func (f *frame) samePackage(fn *ssa.Function) bool {
	if fn.Origin() != nil {
		fn = fn.Origin()
	}
	return fn.Pkg != nil && fn.Pkg.Pkg == f.a.pass.Pkg
}

// body returns the function whose body a call in this package runs, or nil.
func (f *frame) body(fn *ssa.Function) *ssa.Function {
	if fn == nil || !f.samePackage(fn) {
		return nil
	}
	if len(fn.Blocks) == 0 && fn.Origin() != nil {
		fn = fn.Origin()
	}
	if len(fn.Blocks) == 0 {
		return nil
	}
	return fn
}

// callee classifies a call: a container method on a state field, a method
// of maestro's packet API, or a function of the package.
type callKind uint8

const (
	callOther callKind = iota
	callContainer
	callFlow
	callReverse
	callLocal
	callMaestro // the rest of maestro's API: no state
)

// containerMethod returns the container kind and method name when fn is a
// method of a maestro container.
func containerMethod(fn *ssa.Function) (kind, method string) {
	if fn == nil || fn.Signature.Recv() == nil {
		return "", ""
	}
	k := containerKind(fn.Signature.Recv().Type())
	if k == "" {
		return "", ""
	}
	name := fn.Name()
	if obj := fn.Object(); obj != nil {
		name = obj.Name()
	}
	return k, name
}

func (f *frame) classify(c *ssa.CallCommon) (callKind, *ssa.Function) {
	if c == nil || c.IsInvoke() {
		return callOther, nil
	}
	fn := c.StaticCallee()
	if fn == nil {
		return callOther, nil
	}
	if k, m := containerMethod(fn); k != "" {
		if _, ok := methodSpecs[k][m]; ok {
			return callContainer, fn
		}
		return callMaestro, fn // Cap, Timeout, Width...: fixed at construction
	}
	if fn.Signature.Recv() != nil {
		rt := fn.Signature.Recv().Type()
		name := fn.Name()
		if isMaestroNamed(rt, "Packet") && name == "Flow" {
			return callFlow, fn
		}
		if isMaestroNamed(rt, "FlowID") && name == "Reverse" {
			return callReverse, fn
		}
	}
	if b := f.body(fn); b != nil {
		return callLocal, b
	}
	if pkgPath(fn) == MaestroPath {
		return callMaestro, fn
	}
	return callOther, fn
}

// pkgPath is the import path of fn's package ("" if none).
func pkgPath(fn *ssa.Function) string {
	if fn.Origin() != nil {
		fn = fn.Origin()
	}
	if fn.Pkg == nil || fn.Pkg.Pkg == nil {
		if obj := fn.Object(); obj != nil && obj.Pkg() != nil {
			return obj.Pkg().Path()
		}
		return ""
	}
	return fn.Pkg.Pkg.Path()
}

// result returns result i of the call v (an *ssa.Call, or anything else
// producing a tuple).
func (f *frame) result(v ssa.Value, i int) *val {
	call, ok := v.(*ssa.Call)
	if !ok {
		return opaque("result of %s", ssaDesc(v))
	}
	kind, fn := f.classify(call.Common())
	switch kind {
	case callContainer:
		ac := f.accessFor(call, call.Block())
		if ac == nil {
			return opaque("result of a container that is not state")
		}
		if i != 0 {
			return &val{k: kEntry, acc: ac, part: "other"}
		}
		switch ac.spec.result {
		case "index":
			return &val{k: kIndex, acc: ac}
		case "fresh":
			return &val{k: kFresh, acc: ac}
		case "value", "key":
			return &val{k: kEntry, acc: ac, part: ac.spec.result}
		}
		return &val{k: kEntry, acc: ac, part: "other"}
	case callFlow:
		if p := f.eval(call.Call.Args[0]); p.k == kPacketPtr {
			return flowOf()
		}
		return opaque("Flow of a packet that is not the one being processed")
	case callReverse:
		return reverseOf(f.eval(call.Call.Args[0]))
	case callLocal:
		if child := f.child(call, fn); child != nil {
			return child.resultValue(i)
		}
		return opaque("result of recursive or too deep call to %s", fn.Name())
	}
	name := "function value"
	if fn != nil {
		name = fn.String()
	} else if call.Call.IsInvoke() && call.Call.Method != nil {
		name = "interface method " + call.Call.Method.Name()
	}
	if strings.HasPrefix(name, MaestroPath+".") || strings.HasPrefix(name, "(*"+MaestroPath+".") {
		name = strings.ReplaceAll(name, MaestroPath, "maestro")
	}
	return opaque("result of %s", name)
}

// child returns the frame of the local function fn called at call, creating
// it on first use; nil for recursion and beyond the bounds.
func (f *frame) child(call ssa.CallInstruction, fn *ssa.Function) *frame {
	if c, ok := f.children[call]; ok {
		return c
	}
	if f.onStack(fn) || f.depth >= maxDepth {
		f.children[call] = nil
		return nil
	}
	common := call.Common()
	params := map[ssa.Value]*val{}
	args := common.Args
	for i, p := range fn.Params {
		if i < len(args) {
			params[p] = f.eval(args[i])
		}
	}
	if mc, ok := common.Value.(*ssa.MakeClosure); ok {
		for i, fv := range fn.FreeVars {
			if i < len(mc.Bindings) {
				params[fv] = f.eval(mc.Bindings[i])
			}
		}
	}
	ports := f.a.all
	if b := call.Block(); b != nil && b.Index < len(f.blockPorts) {
		ports = f.blockPorts[b.Index]
	}
	c := f.a.newFrame(f, call.Block(), fn, params, ports)
	f.children[call] = c
	return c
}

// resultValue joins result i over every return of the frame's function.
func (f *frame) resultValue(i int) *val {
	if f.ret == nil {
		n := f.fn.Signature.Results().Len()
		f.ret = make([]*val, n)
		var per [][]*val = make([][]*val, n)
		for _, b := range f.fn.Blocks {
			if b.Index < len(f.blockPorts) && f.blockPorts[b.Index] == 0 {
				continue
			}
			if len(b.Instrs) == 0 {
				continue
			}
			if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok {
				for j, r := range ret.Results {
					if j < n {
						per[j] = append(per[j], f.eval(r))
					}
				}
			}
		}
		for j := range f.ret {
			if len(per[j]) == 0 {
				f.ret[j] = opaque("function never returns")
			} else {
				f.ret[j] = join(per[j])
			}
		}
	}
	if i < 0 || i >= len(f.ret) {
		return opaque("no such result")
	}
	return f.ret[i]
}

// accessFor returns the access record of a container call, creating it on
// first use; nil when the receiver is not a state field.
func (f *frame) accessFor(call ssa.CallInstruction, block *ssa.BasicBlock) *access {
	if ac, ok := f.accs[call]; ok {
		return ac
	}
	f.accs[call] = nil
	common := call.Common()
	k, m := containerMethod(common.StaticCallee())
	spec, ok := methodSpecs[k][m]
	if !ok || len(common.Args) == 0 {
		return nil
	}
	recv := f.eval(common.Args[0])
	if recv.k != kState {
		return nil
	}
	ports := f.a.all
	if block != nil && block.Index < len(f.blockPorts) {
		ports = f.blockPorts[block.Index]
	}
	ac := &access{a: f.a, state: recv.field, kind: k, method: m, spec: spec, call: call, fr: f, block: block,
		pos: f.a.r.callStart(common.Pos()), ports: ports}
	f.accs[call] = ac
	args := common.Args[1:]
	if spec.keyArg >= 0 && spec.keyArg < len(args) {
		ac.keyV = f.eval(args[spec.keyArg])
	}
	if spec.storeArg >= 0 && spec.storeArg < len(args) {
		ac.stored = f.eval(args[spec.storeArg])
	}
	f.a.accesses = append(f.a.accesses, ac)
	return ac
}
