package stateaccess

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ssa"
)

// Bounds of the inter-procedural walk. Helpers are analysed once per call
// site (context-sensitively, like inlining); these keep pathological code
// (deep or exponential call trees) from costing more than a vet run should.
const (
	maxDepth  = 64
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
		// IndexOf converts a value to the index that stands for it (a
		// value table's base is fixed at construction): it reads no
		// state, and its result is a pooled index (shard.go).
		"IndexOf": {op: OpRead, keyArg: 0, space: "value", result: "pooled", storeArg: -1, fixed: true},
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

// fixedSpec is the spec of container methods that read what construction
// fixed (Cap, Timeout, Width, Depth).
var fixedSpec = methodSpec{op: OpRead, keyArg: -1, result: "other", storeArg: -1, fixed: true}

// unknownSpec is the spec of container methods the analysis does not know
// (View, Reset, methods added later): a write to the whole container.
var unknownSpec = methodSpec{op: OpWrite, keyArg: -1, result: "other", storeArg: -1}

// specFor returns the spec of method m of container kind k.
func specFor(k, m string) methodSpec {
	if s, ok := methodSpecs[k][m]; ok {
		return s
	}
	switch m {
	case "Cap", "Timeout", "Width", "Depth", "ValueOf":
		return fixedSpec
	}
	return unknownSpec
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
	nowV   *val // Expire: the time it is given
	stored *val // value stored by Insert/Set/Put, nil otherwise
	eff    *effKey
	effOn  bool // eff is being computed (cycle guard)
	// counts, when set, says why the access's result counts other keys'
	// entries (an Expire count, a CountMin estimate): a read of the whole
	// container whatever its key (MAE021).
	counts string
}

func (ac *access) label() string {
	return fmt.Sprintf("%s.%s at %s", ac.state, ac.method, shortPos(ac.a.pass.Fset, ac.pos))
}

// portSet is a set of ports as a bit set over nfAnalysis.universe.
type portSet uint64

// nfAnalysis is the walk of one NF's packet path.
type nfAnalysis struct {
	pass      *analysis.Pass
	r         *reporter
	nf        *nfDecl
	universe  []int
	all       portSet
	frames    int
	accesses  []*access
	allFrames []*frame // every frame, in creation order
	verifs    []*verification
	compared  map[int]bool // port constants compared with InPort
	writes    map[*ssa.Function]bool
	rewrites  map[*ssa.Function]uint64 // packet fields a function may rewrite
	pkgFuncs  []*ssa.Function          // every source function of the package, closures included
	// closureRewrites caches rewritesOfValues.
	closureRewrites *uint64
	ssaPkg          *ssa.Package
	taken           *[]*ssa.Function            // addrTaken, computed on first use
	impls           map[implKey][]*ssa.Function // implementations, by interface and method
	// lockReasons are findings that force locks beyond key conflicts
	// (MAE009, MAE017); blocked are blocking findings (MAE013-MAE016),
	// listed in the plan's reasons too.
	lockReasons []Reason
	blocked     []Reason
	writesFrame bool // the path writes frame bytes directly
	// globalWrites maps package variables to a function storing to them.
	globalWrites map[string]string
	budget       bool    // maxFrames was hit
	def          portSet // the default port: every port the NF does not declare
	limit        int     // frame budget (maxFrames unless analyzeAll lowers it)
	// perPort walks the packet path once per input port (a root frame
	// each), where a phi keeps only the values of edges that port can
	// take; portPaths records that the walk over all ports met a phi
	// whose values differ along edges different ports take (analyzeNF
	// then tries perPort).
	perPort   bool
	portPaths bool
}

func newNFAnalysis(pass *analysis.Pass, r *reporter, d *nfDecl, universe []int) *nfAnalysis {
	if len(universe) > 64 {
		universe = universe[:64]
	}
	a := &nfAnalysis{pass: pass, r: r, nf: d, universe: universe, compared: map[int]bool{}, writes: map[*ssa.Function]bool{}, rewrites: map[*ssa.Function]uint64{}, limit: maxFrames}
	a.all = portSet(uint64(1)<<len(universe) - 1)
	if len(universe) == 64 {
		a.all = ^portSet(0)
	}
	a.def = portSet(1) << (len(universe) - 1)
	return a
}

func (a *nfAnalysis) portBit(p int64) (portSet, bool) {
	for i, u := range a.universe[:len(a.universe)-1] {
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
	succPorts  [][]portSet // per block, per successor: the ports that take that edge
	cache      map[ssa.Value]*val
	children   map[childKey]*frame
	accs       map[ssa.CallInstruction]*access
	depth      int
	site       ssa.CallInstruction // the call in parent that runs this frame
	entryDirty uint64              // packet fields possibly rewritten before entry
	dirtyIn    []uint64            // per block: fields possibly rewritten on entry
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
	if a.perPort {
		for i := range a.universe {
			if root := a.newFrame(nil, nil, process, params, portSet(1)<<i); root != nil {
				root.visit()
			}
		}
		a.checkIndexUses(process)
		return
	}
	root := a.newFrame(nil, nil, process, params, a.all)
	if root != nil {
		root.visit()
		a.checkIndexUses(process)
	}
}

func (a *nfAnalysis) newFrame(parent *frame, site *ssa.BasicBlock, fn *ssa.Function, params map[ssa.Value]*val, ports portSet) *frame {
	if a.frames >= a.limit {
		a.budget = true
		return nil
	}
	a.frames++
	f := &frame{a: a, fn: fn, parent: parent, siteBlock: site, params: params, ports: ports,
		cache: map[ssa.Value]*val{}, children: map[childKey]*frame{}, accs: map[ssa.CallInstruction]*access{}}
	a.allFrames = append(a.allFrames, f)
	if parent != nil {
		f.depth = parent.depth + 1
	}
	f.computePorts()
	return f
}

// edgePorts returns the ports that take the j-th incoming edge of block b.
func (f *frame) edgePorts(b *ssa.BasicBlock, j int) portSet {
	if j >= len(b.Preds) {
		return f.ports
	}
	pred := b.Preds[j]
	if pred.Index < 0 || pred.Index >= len(f.succPorts) {
		return f.ports
	}
	var out portSet
	for k, s := range pred.Succs {
		if s == b && k < len(f.succPorts[pred.Index]) {
			out |= f.succPorts[pred.Index][k]
		}
	}
	return out
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
	f.succPorts = make([][]portSet, n)
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
				if st, sf, ok := f.portCond(iff.Cond, 0); ok {
					outs[0] = in & st
					outs[1] = in & sf
				}
			}
		}
		f.succPorts[b.Index] = outs
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

// portCond recognizes a condition on the input port and returns the sets
// of ports for which it may be true and may be false (not complements:
// the default port stands for many ports).
func (f *frame) portCond(cond ssa.Value, depth int) (portSet, portSet, bool) {
	if depth > 8 {
		return 0, 0, false
	}
	switch c := cond.(type) {
	case *ssa.UnOp:
		if c.Op == token.NOT {
			if st, sf, ok := f.portCond(c.X, depth+1); ok {
				return sf, st, true
			}
		}
	case *ssa.BinOp:
		if c.Op != token.EQL && c.Op != token.NEQ {
			return 0, 0, false
		}
		x, y := f.eval(c.X), f.eval(c.Y)
		other := c.Y
		// Only p.InPort itself, every bit of it, names a port.
		isPort := func(v *val) bool {
			return v.k == kPacket && v.field == "InPort" && v.mask == widthMask(16) && v.shift == 0 && v.xf == "" && v.cfg == ""
		}
		if !isPort(x) {
			if !isPort(y) {
				return 0, 0, false
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
				msg := fmt.Sprintf("p.InPort is compared with %s, not a maestro.Port constant: the analysis cannot tell which ports each branch runs on, so the NF runs with locks; compare with a constant (const WAN maestro.Port = 1)", y.describe())
				f.a.r.report(c.Pos(), "MAE009", "%s", msg)
				f.a.lockReasons = append(f.a.lockReasons, Reason{Pos: shortPos(f.a.pass.Fset, c.Pos()), Code: "MAE009", Message: msg})
			}
			return 0, 0, false
		}
		f.a.compared[int(cv)] = true
		bit, ok := f.a.portBit(cv)
		if !ok {
			// A port the NF does not declare: one of the ports the
			// default port stands for. Equal: only the default port;
			// not equal: any port, the default one included.
			if c.Op == token.NEQ {
				return f.a.all, f.a.def, true
			}
			return f.a.def, f.a.all, true
		}
		if c.Op == token.NEQ {
			return f.a.all &^ bit, bit, true
		}
		return bit, f.a.all &^ bit, true
	}
	return 0, 0, false
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
		return &val{k: kFunc, fn: v}
	case *ssa.MakeClosure:
		fn, _ := v.Fn.(*ssa.Function)
		out := &val{k: kFunc, fn: fn}
		for _, b := range v.Bindings {
			out.binds = append(out.binds, f.eval(b))
		}
		return out
	case *ssa.Alloc:
		return &val{k: kAddr, reg: regLocal, inner: f.allocContent(v)}
	case *ssa.MakeSlice, *ssa.MakeMap:
		return &val{k: kAddr, reg: regLocal, inner: opaque("element of a local %s", strings.TrimPrefix(ssaDesc(v), "make"))}
	case *ssa.FieldAddr:
		return f.fieldAddr(v)
	case *ssa.IndexAddr:
		return f.indexAddr(f.eval(v.X))
	case *ssa.Slice:
		x := f.eval(v.X)
		if x.k == kNFAddr || x.k == kGlobal {
			return x
		}
		return x
	case *ssa.UnOp:
		x := f.eval(v.X)
		switch v.Op {
		case token.MUL:
			if x.k == kAddr && x.reg == regPacket && x.field != "" {
				if at := f.rewrittenBefore(v, x.field); at != "" {
					return &val{k: kOpaque, pkt: true, why: fmt.Sprintf("packet %s read after it may have been rewritten (%s)", x.field, at)}
				}
			}
			if r, ok := f.reachingLoad(v); ok {
				return r
			}
			return f.load(x)
		case token.ARROW:
			return opaque("channel receive")
		case token.SUB:
			switch x.k {
			case kPacket:
				return transformed(x, "neg", &val{k: kConst, anon: true, why: ""}, v.Type())
			case kConst:
				return &val{k: kConst, anon: true, why: "computed from constants and configuration"}
			}
			return mixed(token.SUB, x, x)
		}
		return x // ^x complements bits in place, !x negates a bool: both exact
	case *ssa.BinOp:
		return arith(v.Op, f.eval(v.X), f.eval(v.Y), v.Type())
	case *ssa.Convert:
		x := f.eval(v.X)
		if x.k != kPacket && x.k != kConcat {
			return x
		}
		to, from := bitsOf(v.Type()), bitsOf(v.X.Type())
		if to == 0 || from == 0 {
			return &val{k: kOpaque, pkt: true, why: x.describe() + " converted to " + typeString(v.Type())}
		}
		if to < from {
			return narrow(x, to)
		}
		return x
	case *ssa.ChangeType:
		return f.eval(v.X)
	case *ssa.MultiConvert:
		return opaque("generic conversion")
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
		var ports []portSet
		for j, e := range v.Edges {
			if e == v {
				continue
			}
			ep := f.edgePorts(v.Block(), j)
			if f.a.perPort && ep == 0 {
				continue // an edge this frame's port never takes
			}
			in = append(in, f.eval(e))
			ports = append(ports, ep)
		}
		if !f.a.perPort {
			for i := range in[min(1, len(in)):] {
				if ports[i+1] != ports[0] && in[i+1].key() != in[0].key() {
					f.a.portPaths = true
				}
			}
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
		return &val{k: kAddr, reg: regPacket, field: name, inner: packetField(name)}
	case kNF:
		return &val{k: kNFAddr, path: []string{name}}
	case kNFAddr:
		return &val{k: kNFAddr, path: append(append([]string(nil), base.path...), name)}
	case kGlobal:
		return base
	case kAddr:
		out := &val{k: kAddr, reg: base.reg, field: base.field}
		if base.inner != nil {
			out.inner = base.inner.comp(name)
		} else {
			out.inner = opaque("field %s", name)
		}
		return out
	case kConst, kEntry:
		// A pointer read from configuration or from a state entry: the
		// memory outlives the packet.
		return &val{k: kAddr, reg: regShared, inner: base.comp(name)}
	}
	return &val{k: kAddr, reg: regShared, inner: opaque("field %s through %s", name, base.describe())}
}

// indexAddr is the address of an element of the array or slice base.
func (f *frame) indexAddr(base *val) *val {
	switch base.k {
	case kNFAddr, kGlobal:
		return base // an element of an array field: the field itself
	case kAddr:
		out := &val{k: kAddr, reg: base.reg, field: base.field, inner: opaque("element of %s", base.describe())}
		if base.inner != nil && base.inner.k == kConst {
			// An element at an index the analysis may not know: not
			// the same value as another element of the array.
			out.inner = &val{k: kConst, anon: true, why: "element of " + base.inner.why}
		}
		if base.reg == regPacket {
			out.inner.pkt = true
		}
		return out
	case kPacket:
		if base.field == "Data" {
			return &val{k: kAddr, reg: regFrame, inner: &val{k: kOpaque, pkt: true, why: "byte of p.Data"}}
		}
		return &val{k: kAddr, reg: regPacket, field: base.field, inner: &val{k: kOpaque, pkt: true, why: "element of packet " + base.field}}
	case kConst:
		return &val{k: kAddr, reg: regShared, inner: &val{k: kConst, anon: true, why: "element of " + base.why}}
	}
	return &val{k: kAddr, reg: regShared, inner: opaque("element of %s", base.describe())}
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
// A variable whose address escapes to anything that may write it (a call
// that writes through the pointer, a closure, an element store, another
// variable) has unknown content.
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
			if r.Addr != alloc {
				return opaque("local variable whose address is stored")
			}
			whole = append(whole, f.eval(r.Val))
		case *ssa.FieldAddr:
			if frefs := r.Referrers(); frefs != nil {
				for _, fr := range *frefs {
					switch x := fr.(type) {
					case *ssa.Store:
						if x.Addr != r {
							return opaque("local variable whose field's address is stored")
						}
						fieldStores[r.Field] = append(fieldStores[r.Field], f.eval(x.Val))
					case *ssa.UnOp, *ssa.DebugRef:
					default:
						if f.a.mayWriteThrough(r, fr, 0) {
							return opaque("local variable whose field %s may be written by %s", structFieldName(alloc.Type(), r.Field), describeInstr(fr))
						}
					}
				}
			}
		case *ssa.UnOp, *ssa.DebugRef:
			// loads and debug info do not change the variable
		default:
			if f.a.mayWriteThrough(alloc, ref, 0) {
				return opaque("local variable that may be written by %s", describeInstr(ref))
			}
		}
	}
	st, isStruct := elem.Underlying().(*types.Struct)
	// A FlowID's components are not its fields (two words): its values
	// come whole, from Flow, MakeFlowID and Reverse, as kStructs of the
	// components.
	if !isStruct || isMaestroNamed(elem, "FlowID") {
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
			if w.k == kNF {
				vs = append(vs, f.nfFieldLoad([]string{name})) // a copy of a value receiver
				continue
			}
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

// reachingLoad evaluates a load from a local variable (or one of its
// fields) from the stores that reach it: flow-sensitively, so that a key
// built field by field on each branch keeps each branch's fields. It
// reports false for loads it does not handle (then allocContent, the join
// of every store, applies).
func (f *frame) reachingLoad(load *ssa.UnOp) (*val, bool) {
	var alloc *ssa.Alloc
	field := -1
	switch x := load.X.(type) {
	case *ssa.Alloc:
		alloc = x
	case *ssa.FieldAddr:
		a, ok := x.X.(*ssa.Alloc)
		if !ok {
			return nil, false
		}
		alloc, field = a, x.Field
	default:
		return nil, false
	}
	if c := f.eval(alloc); c.k != kAddr || c.inner == nil || c.inner.k == kOpaque {
		return nil, false // the variable escapes: its content is unknown
	}
	elem := alloc.Type().Underlying().(*types.Pointer).Elem()
	if st, ok := elem.Underlying().(*types.Struct); ok && field < 0 && !isMaestroNamed(elem, "FlowID") {
		out := &val{k: kStruct}
		for i := 0; i < st.NumFields(); i++ {
			out.comps = append(out.comps, comp{st.Field(i).Name(), join(f.reaching(alloc, i, load))})
		}
		return out, true
	}
	return join(f.reaching(alloc, field, load)), true
}

// reaching returns the values that the stores reaching instruction at may
// have left in field (-1: the whole variable) of alloc: the last store on
// each path back, or the zero value at the allocation.
func (f *frame) reaching(alloc *ssa.Alloc, field int, at ssa.Instruction) []*val {
	var out []*val
	name := ""
	if field >= 0 {
		name = structFieldName(alloc.Type(), field)
	}
	def := func(instr ssa.Instruction) (*val, bool) {
		switch x := instr.(type) {
		case *ssa.Alloc:
			if x == alloc {
				return &val{k: kConst, why: "zero value"}, true
			}
		case *ssa.Store:
			if x.Addr == alloc {
				v := f.eval(x.Val)
				if field >= 0 {
					if v.k == kNF {
						return f.nfFieldLoad([]string{name}), true
					}
					v = v.comp(name)
				}
				return v, true
			}
			if fa, ok := x.Addr.(*ssa.FieldAddr); ok && fa.X == alloc && fa.Field == field {
				return f.eval(x.Val), true
			}
		}
		return nil, false
	}
	// scan walks instrs backwards from index i; it reports whether a
	// definition ended the walk.
	scan := func(instrs []ssa.Instruction, i int) bool {
		for ; i >= 0; i-- {
			if v, ok := def(instrs[i]); ok {
				out = append(out, v)
				return true
			}
		}
		return false
	}
	b := at.Block()
	idx := -1
	for i, x := range b.Instrs {
		if x == at {
			idx = i
		}
	}
	if scan(b.Instrs, idx-1) {
		return out
	}
	// Walking back, a per-port walk follows only the edges its port
	// takes; the all-ports walk notes when edges of different ports
	// bring different values (nfAnalysis.portPaths).
	narrowed := false
	var work []*ssa.BasicBlock
	preds := func(x *ssa.BasicBlock) {
		for j, p := range x.Preds {
			ep := f.edgePorts(x, j)
			if ep != f.blockPorts[x.Index] {
				narrowed = true
			}
			if f.a.perPort && ep == 0 {
				continue
			}
			work = append(work, p)
		}
	}
	preds(b)
	seen := map[*ssa.BasicBlock]bool{}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		if !scan(p.Instrs, len(p.Instrs)-1) {
			if len(p.Preds) == 0 {
				out = append(out, &val{k: kConst, why: "zero value"})
			}
			preds(p)
		}
	}
	if narrowed && !f.a.perPort {
		for _, v := range out[min(1, len(out)):] {
			if v.key() != out[0].key() {
				f.a.portPaths = true
			}
		}
	}
	if len(out) == 0 {
		out = append(out, &val{k: kConst, why: "zero value"})
	}
	return out
}

// describeInstr names an instruction for people.
func describeInstr(instr ssa.Instruction) string {
	if c, ok := instr.(ssa.CallInstruction); ok {
		if fn := c.Common().StaticCallee(); fn != nil {
			return "a call of " + fn.Name()
		}
		return "a dynamic call"
	}
	return "a " + strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", instr), "*ssa."))
}

// mayWriteThrough reports whether instr, a user of the address ptr, may
// write the memory ptr points to (syntactically, following derived
// addresses and calls into the package; any other code may).
func (a *nfAnalysis) mayWriteThrough(ptr ssa.Value, instr ssa.Instruction, depth int) bool {
	if depth > maxDepth {
		return true
	}
	switch x := instr.(type) {
	case *ssa.Store:
		return true // into ptr (a write) or ptr itself stored (escapes)
	case *ssa.UnOp:
		if x.Op == token.MUL && !hasRef(x.Type()) {
			return false
		}
		if x.Op == token.MUL {
			return a.valueMayBeWritten(x, depth+1)
		}
		return true
	case *ssa.DebugRef:
		return false
	case *ssa.FieldAddr, *ssa.IndexAddr, *ssa.Slice, *ssa.ChangeType:
		return a.valueMayBeWritten(x.(ssa.Value), depth+1)
	case *ssa.BinOp:
		return false // pointer comparison
	case *ssa.MakeClosure:
		// A captured variable: written only if the closure writes it.
		fn, ok := x.Fn.(*ssa.Function)
		if !ok {
			return true
		}
		for i, b := range x.Bindings {
			if b == ptr && (i >= len(fn.FreeVars) || a.valueMayBeWritten(fn.FreeVars[i], depth+1)) {
				return true
			}
		}
		return false
	case ssa.CallInstruction:
		c := x.Common()
		if _, ok := c.Value.(*ssa.Builtin); ok {
			switch c.Value.(*ssa.Builtin).Name() {
			case "len", "cap", "print", "println":
				return false
			case "copy":
				return len(c.Args) > 0 && c.Args[0] == ptr
			}
			return true
		}
		fn := c.StaticCallee()
		if fn == nil || c.IsInvoke() {
			return true
		}
		if b := a.bodyOf(fn); b != nil {
			for i, arg := range c.Args {
				if arg == ptr && (i >= len(b.Params) || a.valueMayBeWritten(b.Params[i], depth+1)) {
					return true
				}
			}
			if mc, ok := c.Value.(*ssa.MakeClosure); ok {
				for _, bnd := range mc.Bindings {
					if bnd == ptr {
						return true
					}
				}
			}
			return false
		}
		if k, _ := containerMethod(fn); k != "" {
			return false // containers copy keys and values; they never keep or write a caller's pointer
		}
		return !readOnlyExternal(fn)
	}
	return true
}

// valueMayBeWritten reports whether any user of the address v may write
// through it.
func (a *nfAnalysis) valueMayBeWritten(v ssa.Value, depth int) bool {
	refs := v.Referrers()
	if refs == nil {
		return false
	}
	for _, r := range *refs {
		if a.mayWriteThrough(v, r, depth) {
			return true
		}
	}
	return false
}

// body returns the function whose body a call in this package runs, or nil.
func (f *frame) body(fn *ssa.Function) *ssa.Function {
	if fn == nil {
		return nil
	}
	if fn.Synthetic != "" && len(fn.Blocks) > 0 && fn.Origin() == nil {
		// Bound-method, interface-method and promotion wrappers: a few
		// instructions that forward to the real method, which is then
		// classified like any other call.
		return fn
	}
	return f.a.bodyOf(fn)
}

// callee classifies a call: a container method on a state field, a method
// of maestro's packet API, or a function of the package.
type callKind uint8

const (
	callOther callKind = iota
	callContainer
	callFlow
	callReverse
	callMakeFlow // maestro.MakeFlowID: a FlowID of its arguments
	callFlowComp // a FlowID accessor (SrcIP, ...): that component
	callLocal
	callMaestro // the rest of maestro's API: no state
	callDynamic // an interface method or a function value
	callBuiltin
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
	if c == nil {
		return callOther, nil
	}
	if c.IsInvoke() {
		return callDynamic, nil
	}
	if _, ok := c.Value.(*ssa.Builtin); ok {
		return callBuiltin, nil
	}
	fn := c.StaticCallee()
	if fn == nil {
		return callDynamic, nil
	}
	if k, _ := containerMethod(fn); k != "" {
		return callContainer, fn
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
		if isMaestroNamed(rt, "FlowID") && slices.Contains(flowComps, name) {
			return callFlowComp, fn
		}
	} else if pkgPath(fn) == MaestroPath && fn.Name() == "MakeFlowID" {
		return callMakeFlow, fn
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
		case "pooled":
			return &val{k: kPooled, acc: ac}
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
	case callMakeFlow:
		// Each component is the argument of the same name, as the
		// fields of a composite literal would be.
		out := &val{k: kStruct}
		for j, n := range flowComps {
			out.comps = append(out.comps, comp{n, f.eval(call.Call.Args[j])})
		}
		return out
	case callFlowComp:
		// An accessor reads one component, as a field read would.
		return f.eval(call.Call.Args[0]).comp(fn.Name())
	case callLocal:
		if child := f.childFor(call, target{fn: fn, binds: closureBinds(f, call.Common())}); child != nil {
			return child.resultValue(i)
		}
		return opaque("result of recursive or too deep call to %s", fn.Name())
	case callDynamic:
		ts, unknown, ext := f.dynTargets(call.Common())
		var rs []*val
		for _, t := range ts {
			if child := f.childFor(call, t); child != nil {
				rs = append(rs, child.resultValue(i))
			} else {
				rs = append(rs, opaque("result of %s", t.fn.Name()))
			}
		}
		if unknown || ext != nil || len(rs) == 0 {
			rs = append(rs, opaque("result of a dynamic call"))
		}
		return join(rs)
	case callBuiltin:
		b := call.Call.Value.(*ssa.Builtin)
		if b.Name() == "append" && len(call.Call.Args) > 0 {
			x := f.eval(call.Call.Args[0])
			if x.k == kConst && x.c == nil && x.why == "constant" {
				return &val{k: kAddr, reg: regLocal, inner: opaque("element of a local slice")}
			}
			if x.k == kAddr || (x.k == kPacket && x.field == "Data") {
				return x
			}
		}
		return opaque("result of builtin %s", b.Name())
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
	if freshConstructors[name] {
		// A new object that nothing else holds: memory of this packet,
		// which its own methods may write.
		return &val{k: kAddr, reg: regLocal, inner: opaque("state of the object %s returned", name)}
	}
	return opaque("result of %s", name)
}

// freshConstructors are standard library functions that return a new
// object no one else holds, whose methods write only that object: a
// hash computed per packet (h := fnv.New32a(); h.Write(b); h.Sum32())
// then stays memory of this packet.
var freshConstructors = map[string]bool{
	"hash/fnv.New32": true, "hash/fnv.New32a": true, "hash/fnv.New64": true, "hash/fnv.New64a": true,
	"hash/fnv.New128": true, "hash/fnv.New128a": true,
	"hash/crc32.NewIEEE": true, "hash/adler32.New": true,
	"crypto/md5.New": true, "crypto/sha1.New": true, "crypto/sha256.New": true, "crypto/sha256.New224": true,
	"crypto/sha512.New": true, "crypto/sha512.New384": true,
}

// globalWriter names a function of the package other than init that
// stores to package-level variable name ("" if none). A write on the
// packet path itself is reported where it happens (MAE008).
func (a *nfAnalysis) globalWriter(name string) string {
	if a.globalWrites == nil {
		a.globalWrites = map[string]string{}
		for _, fn := range a.pkgFuncs {
			if fn.Name() == "init" || strings.HasPrefix(fn.Name(), "init#") || (fn.Parent() != nil && strings.HasPrefix(fn.Parent().Name(), "init")) {
				continue
			}
			for _, b := range fn.Blocks {
				for _, instr := range b.Instrs {
					if st, ok := instr.(*ssa.Store); ok {
						if g := storeRootGlobal(st.Addr); g != "" {
							if _, seen := a.globalWrites[g]; !seen {
								a.globalWrites[g] = fn.Name()
							}
						}
					}
				}
			}
		}
	}
	return a.globalWrites[name]
}

// storeRootGlobal returns the package variable an address is (a field or
// element of), or "".
func storeRootGlobal(addr ssa.Value) string {
	for range 8 {
		switch x := addr.(type) {
		case *ssa.Global:
			return x.Name()
		case *ssa.FieldAddr:
			addr = x.X
		case *ssa.IndexAddr:
			addr = x.X
		default:
			return ""
		}
	}
	return ""
}

// closureBinds evaluates the bindings of a closure called directly.
func closureBinds(f *frame, c *ssa.CallCommon) []*val {
	mc, ok := c.Value.(*ssa.MakeClosure)
	if !ok {
		return nil
	}
	out := make([]*val, len(mc.Bindings))
	for i, b := range mc.Bindings {
		out[i] = f.eval(b)
	}
	return out
}

// incomplete records that the analysis could not follow the packet path
// at pos (MAE016): blocking, since what lies beyond is unknown.
func (a *nfAnalysis) incomplete(pos token.Pos, format string, args ...any) {
	a.block(pos, "MAE016", format, args...)
}

// block reports a blocking finding and lists it among the plan's reasons.
func (a *nfAnalysis) block(pos token.Pos, code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	a.r.report(pos, code, "%s", msg)
	a.blocked = append(a.blocked, Reason{Pos: shortPos(a.pass.Fset, pos), Code: code, Message: msg})
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
	spec := specFor(k, m)
	if k == "" || len(common.Args) == 0 {
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
	pos := f.a.r.callStart(common.Pos())
	for g := f; !pos.IsValid() && g != nil && g.site != nil; g = g.parent {
		pos = f.a.r.callStart(g.site.Pos()) // a synthetic wrapper (method value): blame its call
	}
	ac := &access{a: f.a, state: recv.field, kind: k, method: m, spec: spec, call: call, fr: f, block: block,
		pos: pos, ports: ports}
	f.accs[call] = ac
	args := common.Args[1:]
	if spec.keyArg >= 0 && spec.keyArg < len(args) {
		ac.keyV = f.eval(args[spec.keyArg])
	}
	if spec.storeArg >= 0 && spec.storeArg < len(args) {
		ac.stored = f.eval(args[spec.storeArg])
	}
	if spec.expire && len(args) > 0 {
		ac.nowV = f.eval(args[0])
	}
	ac.counts = f.countsOtherKeys(ac, call)
	f.a.accesses = append(f.a.accesses, ac)
	return ac
}

// countsOtherKeys says why the result of container call ac counts entries
// of other keys than its own, or returns "" when it does not (fact 9 of
// the package documentation): the count Expire returns, and the estimate
// of a CountMin (Estimate; Add when its result is used) unless the field
// accepts per-core estimates. Per-core instances would count only the
// keys of their core.
func (f *frame) countsOtherKeys(ac *access, call ssa.CallInstruction) string {
	switch {
	case ac.spec.expire && resultUsed(call):
		return fmt.Sprintf("the count %s.%s returns covers every key's entries, and per-core instances would count only their own core's", ac.state, ac.method)
	case ac.kind == "CountMin" && (ac.method == "Estimate" || ac.method == "Add" && resultUsed(call)):
		if fd := f.a.nf.fields[ac.state]; fd != nil && fd.perCoreEstimates {
			return ""
		}
		return fmt.Sprintf("the estimate %s.%s returns adds the counts of every key sharing its counters, and per-core sketches would count only their own core's keys (if per-core estimates are acceptable, mark the field //maestro:state %s)", ac.state, ac.method, stateOptPerCoreEstimates)
	}
	return ""
}

// resultUsed reports whether the value of call is used: an expression
// statement's result has no referrers (a result assigned to _ neither).
func resultUsed(call ssa.CallInstruction) bool {
	v := call.Value()
	if v == nil || v.Referrers() == nil {
		return false
	}
	return len(*v.Referrers()) > 0
}
