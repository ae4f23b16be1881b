package stateaccess

import (
	"cmp"
	"fmt"
	"go/constant"
	"go/token"
	"go/types"
	"math/bits"
	"slices"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// kind classifies an abstract value: what the analysis knows about where an
// SSA value comes from.
type kind uint8

const (
	kOpaque    kind = iota // unknown: why says what it is
	kConst                 // same for every packet: a constant (c set), configuration or package variable
	kPacket                // a packet field, masked
	kPacketPtr             // the *maestro.Packet (or a copy of the Packet)
	kNF                    // the NF receiver (pointer or value)
	kNFAddr                // address of a field of the NF: path from the receiver
	kState                 // a state container: field names it
	kEntry                 // data read from a state entry by acc: part ("value", "key", "other") and path
	kIndex                 // the entry index an access found (Table.Find)
	kFresh                 // an index an access allocated (Table.Insert, Allocator.Allocate)
	kStruct                // a struct value with tracked components
	kAddr                  // an address whose load yields inner
	kGlobal                // address of a package-level variable
	kLoop                  // carried around a loop: differs from iteration to iteration
	kFunc                  // a function value: fn, with closure bindings binds
	kPooled                // the index a value table's IndexOf gave for acc's key (shard.go: pooled accesses)
	kConcat                // exact packet terms (comps, unnamed) ORed, added or XORed on disjoint value bits
)

// region says where the memory an address (kAddr) points into lives, which
// decides whether a store through it is allowed on the packet path (fact 2
// of the package documentation).
type region uint8

const (
	// regShared is memory that may outlive the packet: configuration,
	// data reached through state entries, anything not allocated while
	// processing this packet. Stores to it are refused (MAE013).
	regShared region = iota
	// regLocal is memory allocated while processing this packet.
	regLocal
	// regPacket is the Packet struct's own fields.
	regPacket
	// regFrame is the frame bytes, p.Data's backing array.
	regFrame
)

// val is an abstract value. Values are immutable once built.
type val struct {
	k     kind
	field string         // kPacket: field name; kState: field name; kGlobal: variable name
	mask  uint32         // kPacket: bits of the field that survive (IP, port and other integer fields)
	shift int            // kPacket: the value is the masked field shifted right by shift bits
	xf    string         // kPacket: an injective transform applied after mask and shift ("+c", "*c"); bit positions are then unknown
	xor   *val           // kPacket: a second exact packet term XORed in, with the same value bits (p.SrcIP ^ p.DstIP)
	cfg   string         // kPacket: set when the mask comes from configuration (unknown bits)
	c     constant.Value // kConst: the constant, when known
	acc   *access        // kEntry, kIndex, kFresh
	part  string         // kEntry: "value", "key" or "other"
	path  []string       // kEntry: struct path inside the entry; kNFAddr: field path
	comps []comp         // kStruct
	inner *val           // kAddr
	reg   region         // kAddr: where the memory lives
	fn    *ssa.Function  // kFunc
	binds []*val         // kFunc: closure bindings
	neg   bool           // kIndex, kFresh: or a negative "no entry" sentinel
	why   string         // kOpaque: why; kConst: what
	pkt   bool           // kOpaque: computed from packet data
	ones  uint64         // kConst with unknown value: bits known to be set (MinPrefix | cfg.mask)
	anon  bool           // kConst with unknown value: why does not identify the value, which is then equal only to itself
	alts  []string       // kOpaque from joinDiffer: the merged values' descriptions, flattened and deduplicated
	more  bool           // kOpaque from joinDiffer: alts lists only the first maxAlternatives
}

// onesOf returns the bits certainly set in a constant or configuration
// value: all of a known constant's, those tracked through | and & for values
// computed from configuration.
func onesOf(v *val) uint64 {
	if v.k != kConst {
		return 0
	}
	if c, ok := constInt(v.c); ok {
		return uint64(c)
	}
	return v.ones
}

// comp is one named component of a struct value.
type comp struct {
	name string
	v    *val
}

func opaque(format string, args ...any) *val {
	why := fmt.Sprintf(format, args...)
	if len(why) > maxWhy {
		// Descriptions nest (an opaque key names the values it came
		// from); cut them so that no chain of values grows them without
		// bound.
		why = strings.ToValidUTF8(why[:maxWhy], "") + "…"
	}
	return &val{k: kOpaque, why: why}
}

// maxWhy bounds the length of an opaque value's description.
const maxWhy = 400

// packetFields gives the width in bits of the Packet fields a key may use.
// MACs have width 0: they are compared whole.
var packetFields = map[string]int{
	"SrcIP": 32, "DstIP": 32, "SrcPort": 16, "DstPort": 16, "Proto": 8,
	"EthSrc": 0, "EthDst": 0, "VLAN": 16, "InPort": 16, "EtherType": 16,
	"TTL": 8, "TotalLen": 16, "TCPFlags": 8, "ICMPType": 8, "ICMPCode": 8,
	"Time": 0, "L3": 8, "L4": 8, "Reason": 8, "HasVLAN": 0,
}

// hashable reports whether RSS hashes the field (docs/design.md, "Architecture": RSS).
func hashable(field string) bool {
	switch field {
	case "SrcIP", "DstIP", "SrcPort", "DstPort":
		return true
	}
	return false
}

func widthMask(w int) uint32 {
	if w >= 32 || w <= 0 {
		return 0xffffffff
	}
	return uint32(1)<<w - 1
}

func packetField(name string) *val {
	w, ok := packetFields[name]
	if !ok {
		// A Packet field a key should not use (Data, offsets): still the
		// packet's, but nothing RSS or the plan can name precisely.
		return &val{k: kPacket, field: name}
	}
	v := &val{k: kPacket, field: name}
	if w > 0 {
		v.mask = widthMask(w)
	}
	return v
}

// flowComps are the FlowID fields p.Flow() fills, in declaration order.
var flowComps = []string{"SrcIP", "DstIP", "SrcPort", "DstPort", "Proto"}

func flowOf() *val {
	v := &val{k: kStruct}
	for _, n := range flowComps {
		v.comps = append(v.comps, comp{n, packetField(n)})
	}
	return v
}

// reverseOf swaps addresses and ports like FlowID.Reverse.
func reverseOf(f *val) *val {
	if f.k != kStruct {
		if f.k == kConst {
			return f
		}
		return opaque("Reverse of %s", f.describe())
	}
	swap := map[string]string{"SrcIP": "DstIP", "DstIP": "SrcIP", "SrcPort": "DstPort", "DstPort": "SrcPort"}
	out := &val{k: kStruct}
	for _, c := range f.comps {
		src := c.name
		if s, ok := swap[c.name]; ok {
			src = s
		}
		out.comps = append(out.comps, comp{c.name, f.comp(src)})
	}
	return out
}

// comp returns the component called name of a struct value.
func (v *val) comp(name string) *val {
	switch v.k {
	case kStruct:
		for _, c := range v.comps {
			if c.name == name {
				return c.v
			}
		}
		return &val{k: kConst, why: "zero value"}
	case kEntry:
		return &val{k: kEntry, acc: v.acc, part: v.part, path: append(append([]string(nil), v.path...), name)}
	case kConst, kLoop:
		return v
	case kPacketPtr:
		return packetField(name)
	case kOpaque:
		return v
	}
	return opaque("field %s of %s", name, v.describe())
}

// key returns a canonical string of v, used to compare values.
func (v *val) key() string {
	var b strings.Builder
	v.writeKey(&b)
	return b.String()
}

func (v *val) writeKey(b *strings.Builder) {
	switch v.k {
	case kPacket:
		fmt.Fprintf(b, "P(%s&%x>>%d%s%s)", v.field, v.mask, v.shift, v.xf, v.cfg)
		if v.xor != nil {
			b.WriteString("^")
			v.xor.writeKey(b)
		}
	case kConst:
		switch {
		case v.c != nil:
			fmt.Fprintf(b, "C(%s)", v.c.ExactString())
		case v.anon:
			// "computed from constants and configuration" names no
			// value: cfg.A+1 and cfg.B*2 are different keys.
			fmt.Fprintf(b, "C(%p)", v)
		default:
			// The description names the value: a configuration
			// field, a package-level variable, the zero value.
			fmt.Fprintf(b, "C(%s)", v.why)
		}
	case kEntry:
		fmt.Fprintf(b, "E(%p.%s.%s)", v.acc, v.part, strings.Join(v.path, "."))
	case kIndex:
		fmt.Fprintf(b, "I(%p,%v)", v.acc, v.neg)
	case kFresh:
		fmt.Fprintf(b, "F(%p,%v)", v.acc, v.neg)
	case kPooled:
		fmt.Fprintf(b, "PI(%p)", v.acc)
	case kFunc:
		fmt.Fprintf(b, "Fn(%p", v.fn)
		for _, x := range v.binds {
			b.WriteString(",")
			x.writeKey(b)
		}
		b.WriteString(")")
	case kState:
		fmt.Fprintf(b, "S(%s)", v.field)
	case kStruct:
		b.WriteString("{")
		for _, c := range v.comps {
			b.WriteString(c.name + ":")
			c.v.writeKey(b)
			b.WriteString(",")
		}
		b.WriteString("}")
	case kConcat:
		b.WriteString("Cat{")
		for _, c := range v.comps {
			c.v.writeKey(b)
			b.WriteString(",")
		}
		b.WriteString("}")
	case kAddr:
		fmt.Fprintf(b, "&%d", v.reg)
		if v.inner != nil {
			v.inner.writeKey(b)
		}
	case kNFAddr:
		fmt.Fprintf(b, "NF&%s", strings.Join(v.path, "."))
	case kGlobal:
		fmt.Fprintf(b, "G(%s)", v.field)
	case kOpaque:
		// Identity, not description: two values the analysis cannot
		// follow are the same value only when they come from the same
		// SSA value (eval returns one *val per value and frame). Equal
		// descriptions ("byte of p.Data") say nothing about equal
		// values, and key equality decides which checks verify a write.
		fmt.Fprintf(b, "O(%p)", v)
	default:
		fmt.Fprintf(b, "%d(%s)", v.k, v.why)
	}
}

// describe says what v is, for people.
func (v *val) describe() string {
	switch v.k {
	case kPacket:
		if v.cfg != "" {
			return fmt.Sprintf("packet %s masked by %s", v.field, v.cfg)
		}
		name := "packet " + v.field
		if v.xor != nil {
			name += " xor " + v.xor.field
		}
		if v.xf != "" {
			return fmt.Sprintf("%s transformed (%s)", name, v.xf)
		}
		return name
	case kConst:
		if v.c != nil {
			return "constant " + v.c.ExactString()
		}
		return v.why
	case kEntry:
		return "data read by " + v.acc.label()
	case kIndex:
		return "index found by " + v.acc.label()
	case kFresh:
		return "index allocated by " + v.acc.label()
	case kPooled:
		return "index of the value " + v.acc.keyV.describe() + " given by " + v.acc.label()
	case kLoop:
		return "loop variable"
	case kStruct:
		return "struct"
	case kConcat:
		var ds []string
		for _, c := range v.comps {
			ds = append(ds, fmt.Sprintf("%s at value bits %#x", c.v.describe(), valueBits(c.v.mask, c.v.shift)))
		}
		return "concatenation of " + strings.Join(ds, " and ")
	case kState:
		return "state " + v.field
	case kFunc:
		if v.fn != nil {
			return "function " + v.fn.Name()
		}
	case kAddr:
		switch v.reg {
		case regLocal:
			return "memory allocated for this packet"
		case regPacket:
			return "the packet"
		case regFrame:
			return "the frame bytes"
		}
		if v.inner != nil {
			return "memory holding " + v.inner.describe()
		}
	}
	if v.why != "" {
		return v.why
	}
	return "opaque value"
}

// join merges the values that reach a phi. Equal values merge into
// themselves. A negative integer constant merged with an entry index
// (kIndex, kFresh) is the "no entry" sentinel (-1 for "not found"): the
// result is the index marked neg. Index-space accesses may ignore the
// sentinel (no container has a negative index: reads return the zero value
// and writes refuse, on every core alike), key-space accesses may not (the
// sentinel is one key shared by every packet that takes that path).
func join(vals []*val) *val {
	var rest, negs []*val
	for _, v := range vals {
		if v.k == kLoop {
			return v
		}
		if v.k == kConst && v.c != nil && v.c.Kind() == constant.Int && constant.Sign(v.c) < 0 {
			negs = append(negs, v)
			continue
		}
		rest = append(rest, v)
	}
	if len(rest) == 0 {
		return joinPlain(negs)
	}
	base := joinPlain(rest)
	if len(negs) == 0 {
		return base
	}
	if base.k == kIndex || base.k == kFresh {
		out := *base
		out.neg = true
		return &out
	}
	return joinPlain(vals)
}

// joinPlain merges values without the sentinel rule.
func joinPlain(vals []*val) *val {
	if len(vals) == 0 {
		return opaque("no value")
	}
	if idx := joinIndexes(vals); idx != nil {
		return idx
	}
	k0 := vals[0].key()
	for _, v := range vals[1:] {
		if v.key() != k0 {
			return joinDiffer(vals)
		}
	}
	return vals[0]
}

// joinIndexes merges entry indexes found (Find) or allocated (Insert) by
// accesses to the same state with the same key: "the index of k's entry,
// whether it existed or was just inserted". It returns nil otherwise.
func joinIndexes(vals []*val) *val {
	var first *val
	for _, v := range vals {
		if (v.k != kIndex && v.k != kFresh) || v.acc == nil || v.acc.keyV == nil || v.acc.method == "Allocate" {
			return nil
		}
		if first == nil {
			first = v
			continue
		}
		if v.acc.state != first.acc.state || v.acc.keyV.key() != first.acc.keyV.key() {
			return nil
		}
		if v.k == kIndex && first.k != kIndex {
			first = v
		}
	}
	if first == nil || len(vals) < 2 {
		return nil
	}
	for _, v := range vals {
		if v.neg && !first.neg {
			out := *first
			out.neg = true
			return &out
		}
	}
	return first
}

// joinDiffer merges different values: component-wise for structs of the
// same shape, else opaque.
func joinDiffer(vals []*val) *val {
	if vals[0].k == kStruct {
		n := len(vals[0].comps)
		same := true
		for _, v := range vals[1:] {
			if v.k != kStruct || len(v.comps) != n {
				same = false
				break
			}
			for i := range v.comps {
				if v.comps[i].name != vals[0].comps[i].name {
					same = false
				}
			}
		}
		if same {
			out := &val{k: kStruct}
			for i, c := range vals[0].comps {
				parts := make([]*val, len(vals))
				for j, v := range vals {
					parts[j] = v.comps[i].v
				}
				out.comps = append(out.comps, comp{c.name, join(parts)})
			}
			return out
		}
	}
	// Describe the alternatives flat: a join of joins lists the leaves,
	// not the nested descriptions. Nesting them made each phi's text (and
	// key) the sum of its inputs', exponential in the depth of a function's
	// branching (gopacket's layers took minutes and gigabytes).
	var ds []string
	more := false
	for _, v := range vals {
		if v.k == kOpaque && v.alts != nil {
			ds = append(ds, v.alts...)
			more = more || v.more
		} else {
			ds = append(ds, v.describe())
		}
	}
	ds = dedupStrings(ds)
	if len(ds) > maxAlternatives {
		ds, more = ds[:maxAlternatives], true
	}
	why := "depends on the path taken (" + strings.Join(ds, " or ")
	if more {
		why += " or other values"
	}
	return &val{k: kOpaque, why: why + ")", alts: ds, more: more}
}

// maxAlternatives bounds the values a merged opaque value names.
const maxAlternatives = 4

func dedupStrings(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func constInt(c constant.Value) (int64, bool) {
	if c == nil {
		return 0, false
	}
	c = constant.ToInt(c)
	if c.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(c)
}

// bitsOf returns the size in bits of an integer type, 0 otherwise.
func bitsOf(t types.Type) int {
	b, ok := t.Underlying().(*types.Basic)
	if !ok || b.Info()&types.IsInteger == 0 {
		return 0
	}
	switch b.Kind() {
	case types.Int8, types.Uint8:
		return 8
	case types.Int16, types.Uint16:
		return 16
	case types.Int32, types.Uint32:
		return 32
	}
	return 64
}

// arith abstracts a binary operation. Every case is exact or yields
// opaque (fact 3 of the package documentation): a packet-derived value is
// either (field & mask) >> shift, bit for bit, or an injective transform of
// it (xf set: equal results mean equal masked bits, but which result bit
// holds which field bit is unknown, so no further masking, shifting or
// narrowing can be followed).
func arith(op token.Token, x, y *val, t types.Type) *val {
	if x.k == kLoop {
		return x
	}
	if y.k == kLoop {
		return y
	}
	if x.k == kConst && y.k == kConst {
		if x.c != nil && y.c != nil && op != token.SHL && op != token.SHR {
			if r, ok := foldConst(op, x.c, y.c); ok {
				return &val{k: kConst, c: r}
			}
		}
		out := &val{k: kConst, anon: true, why: "computed from constants and configuration"}
		switch op {
		case token.OR:
			out.ones = onesOf(x) | onesOf(y)
		case token.AND:
			out.ones = onesOf(x) & onesOf(y)
		}
		return out
	}
	switch op {
	case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
		return mixed(op, x, y)
	}
	if x.k == kConcat || y.k == kConcat {
		return concatArith(op, x, y, t)
	}
	switch op {
	case token.SHL, token.SHR:
		if x.k == kPacket && y.k == kConst {
			if cv, ok := constInt(y.c); ok && cv >= 0 && cv < 64 {
				return shiftPacket(op, x, int(cv), t)
			}
		}
		return mixed(op, x, y)
	}
	if x.k == kConst && y.k == kPacket {
		switch op {
		case token.SUB:
			// c - x = -(x - c): injective.
			return transformed(y, "c-", x, t)
		case token.AND_NOT:
			// c &^ x keeps the complement of x's bits under c: positions
			// are kept, and complementing is injective.
			return packetConst(token.AND, y, x, t)
		}
		x, y = y, x // the other operations commute
	}
	if x.k == kPacket && y.k == kConst {
		return packetConst(op, x, y, t)
	}
	return mixed(op, x, y)
}

// mixed abstracts an operation that is not a packet value with a constant:
// its result identifies nothing the analysis can name (an index plus one is
// another entry, a hash of two fields collides across packets).
func mixed(op token.Token, x, y *val) *val {
	if op == token.XOR && exactTerm(x) && exactTerm(y) && valueBits(x.mask, x.shift) == valueBits(y.mask, y.shift) {
		if x.field == y.field && x.mask == y.mask && x.shift == y.shift {
			return &val{k: kConst, c: constant.MakeInt64(0)} // x ^ x
		}
		// Toeplitz is linear: a queue that depends on both fields through
		// equal key windows depends on their XOR (nic/rss: Toeplitz is linear over GF(2)).
		out := *x
		out.xor = y
		return &out
	}
	if op == token.OR || op == token.ADD || op == token.XOR {
		if c, ok := concatOf(x, y); ok {
			return c
		}
	}
	fromPacket := x.k == kPacket || y.k == kPacket || x.k == kConcat || y.k == kConcat || (x.k == kOpaque && x.pkt) || (y.k == kOpaque && y.pkt)
	if fromPacket {
		// A new value with the operand's description: x+1 is not x,
		// and opaque values are equal only when identical (writeKey).
		if x.k == kOpaque && x.pkt {
			out := *x
			return &out
		}
		if y.k == kOpaque && y.pkt {
			out := *y
			return &out
		}
		return &val{k: kOpaque, pkt: true, why: opName(op) + " mixing packet data"}
	}
	return opaque("%s of %s and %s", opName(op), x.describe(), y.describe())
}

// exactTerm reports whether x is a packet value with known bit positions
// and a known mask: a term XOR can combine.
func exactTerm(x *val) bool {
	return x.k == kPacket && x.xf == "" && x.cfg == "" && x.xor == nil && x.mask != 0
}

// withXor applies a bit-position operation (mask, shift, narrowing) to each
// term of a packet value; an operation that makes a term opaque makes the
// whole value opaque.
func withXor(x *val, f func(*val) *val) *val {
	if x.xor == nil {
		return f(x)
	}
	a := *x
	a.xor = nil
	ra, rb := f(&a), f(x.xor)
	if ra.k != kPacket || rb.k != kPacket {
		return &val{k: kOpaque, pkt: true, why: "operation on packet " + x.field + " xor " + x.xor.field}
	}
	out := *ra
	out.xor = rb
	return &out
}

// transformed applies an injective transform to a packet value.
func transformed(x *val, what string, c *val, t types.Type) *val {
	out := *x
	cs := c.why
	if c.c != nil {
		cs = c.c.ExactString()
	}
	out.xf += fmt.Sprintf("%s%s:%s;", what, cs, typeString(t))
	return &out
}

// packetConst abstracts x op c for a packet value x and a constant or
// configuration value c.
func packetConst(op token.Token, x, y *val, t types.Type) *val {
	tt := t
	cv, known := constInt(y.c)
	unsigned := isUnsigned(t)
	switch op {
	case token.XOR:
		// Positions kept, injective, whatever c is.
		if known && cv == 0 {
			return x
		}
		if x.xf != "" {
			return transformed(x, "^", y, t)
		}
		return x
	case token.ADD, token.SUB:
		if known && cv == 0 {
			return x
		}
		// A bijection modulo the type's width, but carries move bits.
		return transformed(x, opName(op), y, t)
	case token.MUL:
		if known && cv&1 == 1 {
			return transformed(x, "*", y, t) // odd: invertible modulo 2^w
		}
	case token.AND, token.AND_NOT, token.OR:
		if x.xf != "" {
			break
		}
		if x.xor != nil {
			return withXor(x, func(t *val) *val { return packetConst(op, t, y, tt) })
		}
		if !known && op == token.AND && y.ones != 0 {
			// x & m where m is configuration with some bits certainly set
			// (MinPrefixMask | cfg.mask): equal results imply equal field
			// bits under those, which is all sharding needs.
			cv, known = int64(y.ones), true
		}
		out := *x
		if !known {
			if op == token.OR {
				break
			}
			if out.cfg == "" {
				out.cfg = y.why
			}
			return &out
		}
		m := fieldBits(uint64(cv), out.shift)
		if op == token.AND {
			out.mask &= m
		} else {
			out.mask &^= m // &^ c clears, | c forces: either way those bits are gone
		}
		return &out
	case token.QUO, token.REM:
		// Unsigned division by 2^k is a shift, remainder a mask.
		if known && unsigned && cv > 0 && cv&(cv-1) == 0 {
			k := 0
			for (int64(1) << k) < cv {
				k++
			}
			if op == token.QUO {
				return shiftPacket(token.SHR, x, k, t)
			}
			return packetConst(token.AND, x, &val{k: kConst, c: constant.MakeInt64(cv - 1)}, t)
		}
	}
	if x.xf != "" {
		return &val{k: kOpaque, pkt: true, why: fmt.Sprintf("%s of packet %s after a transform that moves its bits (%s)", opName(op), x.field, strings.TrimSuffix(x.xf, ";"))}
	}
	return &val{k: kOpaque, pkt: true, why: fmt.Sprintf("%s of packet %s", opName(op), x.field)}
}

// fieldBits maps value bits c of a value shifted right by shift to the
// field bits they hold (value bit j is field bit j+shift).
func fieldBits(c uint64, shift int) uint32 {
	if shift >= 0 {
		if shift >= 64 {
			return 0
		}
		return uint32(c << uint(shift))
	}
	if -shift >= 64 {
		return 0
	}
	return uint32(c >> uint(-shift))
}

// shiftPacket abstracts x << n and x >> n.
func shiftPacket(op token.Token, x *val, n int, t types.Type) *val {
	if x.xor != nil && x.xf == "" {
		return withXor(x, func(v *val) *val { return shiftPacket(op, v, n, t) })
	}
	if x.xf != "" {
		return &val{k: kOpaque, pkt: true, why: fmt.Sprintf("shift of transformed packet %s", x.field)}
	}
	out := *x
	if op == token.SHR {
		out.shift += n
		if out.shift >= 32 {
			out.mask = 0
		} else if out.shift > 0 {
			out.mask &^= uint32(1)<<out.shift - 1
		}
		return &out
	}
	w := bitsOf(t)
	if w == 0 {
		return &val{k: kOpaque, pkt: true, why: "shift of packet " + x.field}
	}
	out.shift -= n
	return narrow(&out, w)
}

// narrow keeps the low w bits of a packet value (value bits at or above w
// are lost: field bits at or above w+shift).
func narrow(x *val, w int) *val {
	if x.k == kConcat {
		return concatArith(token.AND, x, &val{k: kConst, c: constant.MakeUint64(lowBits(w))}, types.Typ[types.Uint64])
	}
	if x.xor != nil && x.xf == "" {
		return withXor(x, func(v *val) *val { return narrow(v, w) })
	}
	if x.xf != "" {
		return &val{k: kOpaque, pkt: true, why: fmt.Sprintf("narrowing of transformed packet %s", x.field)}
	}
	out := *x
	if keep := w + out.shift; keep <= 0 {
		out.mask = 0
	} else if keep < 32 {
		out.mask &= uint32(1)<<keep - 1
	}
	return &out
}

// isUnsigned reports whether t is an unsigned integer type.
func isUnsigned(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsUnsigned != 0
}

// foldConst folds integer operations on two constants; other kinds are
// left unknown (the caller then says "computed from constants").
func foldConst(op token.Token, x, y constant.Value) (constant.Value, bool) {
	x, y = constant.ToInt(x), constant.ToInt(y)
	if x.Kind() != constant.Int || y.Kind() != constant.Int {
		return nil, false
	}
	switch op {
	case token.ADD, token.SUB, token.MUL, token.AND, token.OR, token.XOR, token.AND_NOT:
		return constant.BinaryOp(x, op, y), true
	case token.QUO, token.REM:
		if constant.Sign(y) == 0 {
			return nil, false
		}
		if op == token.QUO {
			op = token.QUO_ASSIGN // integer division
		}
		return constant.BinaryOp(x, op, y), true
	}
	return nil, false
}

func opName(op token.Token) string {
	switch op {
	case token.MUL:
		return "multiplication"
	case token.QUO:
		return "division"
	case token.REM:
		return "remainder"
	case token.ADD:
		return "addition"
	case token.SUB:
		return "subtraction"
	case token.OR:
		return "or"
	case token.XOR:
		return "xor"
	case token.AND:
		return "and"
	case token.SHL, token.SHR:
		return "shift"
	}
	return "operation " + op.String()
}

// leaf is one scalar component of a key, named by its path in the key.
type leaf struct {
	name string
	v    *val
}

// leaves flattens a key value into scalar components, skipping blank fields.
func leaves(v *val, prefix string) []leaf {
	if v.k == kConcat {
		// One name for every term: the sharding pairs terms by the value
		// bits they share (pairTerms), whatever the layout.
		var out []leaf
		for _, c := range v.comps {
			out = append(out, leaf{prefix, c.v})
		}
		return out
	}
	if v.k != kStruct {
		return []leaf{{prefix, v}}
	}
	var out []leaf
	for _, c := range v.comps {
		if c.name == "_" {
			continue
		}
		n := c.name
		if prefix != "" {
			n = prefix + "." + c.name
		}
		out = append(out, leaves(c.v, n)...)
	}
	return out
}

// component converts a scalar value to the plan's Component.
func (v *val) component() Component {
	switch v.k {
	case kPacket:
		c := Component{Source: SourcePacket, Field: v.field, Mask: v.mask}
		if v.xor != nil {
			c.Field += "^" + v.xor.field
			c.Detail = "xor of two packet fields"
		}
		if v.cfg != "" {
			c.Mask = 0
			c.Detail = "mask from " + v.cfg + " (unknown to the analysis)"
		}
		return c
	case kConst:
		if v.c != nil {
			return Component{Source: SourceConst, Detail: v.c.ExactString()}
		}
		return Component{Source: SourceConst, Detail: v.why}
	case kEntry:
		return Component{Source: SourceEntry, Detail: v.describe()}
	case kIndex:
		return Component{Source: SourceEntry, Detail: v.describe()}
	case kFresh:
		return Component{Source: SourceFresh, Detail: v.describe()}
	case kPooled:
		return Component{Source: SourcePooled, Detail: v.describe()}
	case kLoop:
		return Component{Source: SourceOpaque, Detail: "loop variable: iterates over the container"}
	}
	return Component{Source: SourceOpaque, Detail: v.describe()}
}

// ssaDesc names an SSA value's kind for opaque reasons.
func ssaDesc(v ssa.Value) string {
	s := fmt.Sprintf("%T", v)
	return strings.ToLower(strings.TrimPrefix(s, "*ssa."))
}

// concatOf returns x and y as one kConcat value when every exact packet
// term of both (a packet value with known bit positions and mask, or the
// terms of a kConcat) holds value bits no other term holds: their OR, sum
// or XOR is then their concatenation, and two such values are equal
// exactly when each term is (uint64(p.SrcIP)<<32 | uint64(p.DstIP)).
func concatOf(x, y *val) (*val, bool) {
	var terms []*val
	for _, v := range []*val{x, y} {
		switch {
		case v.k == kConcat:
			for _, c := range v.comps {
				terms = append(terms, c.v)
			}
		case exactTerm(v) && v.xor == nil:
			terms = append(terms, v)
		default:
			return nil, false
		}
	}
	var seen uint64
	for _, t := range terms {
		b := valueBits(t.mask, t.shift)
		if b == 0 || b&seen != 0 {
			return nil, false
		}
		seen |= b
	}
	return concatVal(terms), true
}

// lowBits is the mask of the low w bits of a 64-bit value.
func lowBits(w int) uint64 {
	if w >= 64 {
		return ^uint64(0)
	}
	return uint64(1)<<w - 1
}

// concatVal builds a kConcat of terms, lowest value bits first; one term
// is itself, none the constant 0.
func concatVal(terms []*val) *val {
	var kept []*val
	for _, t := range terms {
		if t.mask != 0 {
			kept = append(kept, t)
		}
	}
	switch len(kept) {
	case 0:
		return &val{k: kConst, c: constant.MakeInt64(0)}
	case 1:
		return kept[0]
	}
	slices.SortFunc(kept, func(a, b *val) int {
		return cmp.Compare(bits.TrailingZeros64(valueBits(a.mask, a.shift)), bits.TrailingZeros64(valueBits(b.mask, b.shift)))
	})
	out := &val{k: kConcat}
	for _, t := range kept {
		out.comps = append(out.comps, comp{"", t})
	}
	return out
}

// concatArith abstracts an operation on a kConcat: shifts, and masks and
// forced bits from constants, apply to each term (exact bit positions);
// OR, sum and XOR with more terms on other bits extend it; anything else
// is opaque.
func concatArith(op token.Token, x, y *val, t types.Type) *val {
	each := func(c *val, f func(*val) *val) *val {
		var terms []*val
		for _, cp := range c.comps {
			r := f(cp.v)
			if r.k != kPacket {
				return &val{k: kOpaque, pkt: true, why: opName(op) + " of a concatenation of packet fields"}
			}
			terms = append(terms, r)
		}
		return concatVal(terms)
	}
	if x.k == kConcat && y.k == kConst {
		if cv, ok := constInt(y.c); ok {
			switch op {
			case token.SHL, token.SHR:
				if cv >= 0 && cv < 64 {
					return each(x, func(v *val) *val { return shiftPacket(op, v, int(cv), t) })
				}
			case token.AND, token.OR, token.XOR, token.AND_NOT:
				return each(x, func(v *val) *val { return packetConst(op, v, y, t) })
			}
		}
	}
	if x.k == kConst && y.k == kConcat && (op == token.AND || op == token.OR || op == token.XOR) {
		return concatArith(op, y, x, t)
	}
	return mixed(op, x, y)
}
