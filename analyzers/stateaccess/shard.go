package stateaccess

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/nfmaestro/maestro/nic/rss"
)

// Sharding (docs/design.md, "Architecture"). Two accesses to the same state object, at least
// one of which writes, must run on the same core whenever their keys can be
// equal. Each access gets an effective key:
//
//   - effNone: expiry and fixed-size reads. Expire removes entries by age;
//     each core's copy expires its own entries on the same schedule, so it
//     constrains nothing.
//   - effFresh: an index just allocated (Allocator.Allocate). Under
//     shared-nothing each core allocates from its own copy, so a fresh index
//     collides with nothing another core holds.
//   - effFields: the key's scalar components, aligned by their position in
//     the key ("SrcIP" of a FlowID). An index found by Find(k) or allocated
//     by Insert(k) stands for k: equal indexes mean equal keys.
//   - effVerified: see below.
//   - effAll: a keyless read of a changing container (Len) or an iteration
//     over it: it observes every entry.
//   - effUnhashable: no component RSS can hash.
//
// Pairs of effFields give, per position where both components are packet
// fields RSS hashes, SameQueue(port i, F, port j, G); the other positions
// (MACs, VLAN, protocol, constants) are left out while a hashable one
// carries the key. A pair with no hashable position, or with effAll or
// effUnhashable on either side, means packets with any addresses may meet
// on the same entry: no sharding, the NF runs with locks.
//
// Verified accesses (the NAT rule). An access keyed by packet data (NAT's
// WAN side: an index computed from DstPort) whose entry is compared against
// packet fields, where the failing comparison writes no state (it drops),
// only ever acts on an entry whose compared data equals those packet
// fields. Reads before the check see an entry that will be rejected unless
// it matches, and writes happen only after it. So for sharding the access is
// keyed by the compared packet fields (WAN SrcIP, SrcPort), matched to the
// entry data they were compared with (the flow key's DstIP, DstPort). Paired
// with an access on port q, the entry data is looked up in what the writes
// on q store there (LAN Insert(p.Flow()) stores LAN DstIP as the key's
// DstIP), giving SameQueue(WAN SrcIP, LAN DstIP): NAT shards by server
// address. Ports of the check are kept too, so a server's flows spread by
// server port as well.
//
// Pooled accesses (RSS-aware allocation). An access to a table by the
// index that the same table's IndexOf gave for a whole packet field F
// (WAN DstPort: i, ok := t.IndexOf(uint32(p.DstPort))) addresses the entry
// that stands for value v = F. Index i means value base+i on every core and
// in the sequential NF (IndexOf and ValueOf read only what construction
// fixed), and the generated code lets each core allocate only the values
// whose packets on the pool's port the NIC delivers to it (Plan.Pools:
// rss.Config.ValuePools of the configuration it programs, then
// Table.RestrictValues). So the entry for v can be live only on the core
// that owns v, and the pooled access runs on exactly that core, whatever
// the other accesses' keys are: a pooled access pairs with any access of
// the same table without a constraint (except with effAll, effUnhashable
// and another allocator's fresh indexes, which conflict as usual). What it
// needs is the pool's own soundness: per table, the first pooled access
// (by position) fixes the pool's port and field, and every pooled access
// (port q, field G) gets SameQueue(pool port F, q G), which includes
// DependsOnly(q, G) through the per-port intersection below. The value must
// be the whole field, as the packet carries it: a masked, shifted,
// transformed or XORed value, an IndexOf of another table, or an index used
// as a key, are opaque (MAE002). Parallel results then differ from the
// sequential NF's only in which free index (value) an insert takes, and in
// capacity (each core allocates from its pool).
//
// Finally, per port, the queue may depend only on the fields every pair
// uses on that port (DependsOnly on the intersection of their masks).

type effKind uint8

const (
	effNone effKind = iota
	effFresh
	effFields
	effVerified
	effPooled
	effAll
	effUnhashable
)

// effKey is the key of an access as sharding sees it.
type effKey struct {
	kind   effKind
	space  string // effFields: which key space ("key:flows", "index:ring")
	leaves []leaf // effFields
	ver    []*verification
	pfield rss.Field // effPooled: the packet field whose value the index stands for
	code   string    // effAll, effUnhashable: diagnostic code
	why    string    // effAll, effUnhashable
	origin *access
}

// effective computes (once) the effective key of ac.
func (ac *access) effective() *effKey {
	if ac.eff != nil {
		return ac.eff
	}
	if ac.effOn {
		return &effKey{kind: effUnhashable, code: "MAE003", why: "key depends on itself", origin: ac}
	}
	ac.effOn = true
	ac.eff = ac.computeEffective()
	ac.effOn = false
	return ac.eff
}

func (ac *access) computeEffective() *effKey {
	spec := ac.spec
	if ac.counts != "" {
		return &effKey{kind: effAll, code: "MAE021", origin: ac, why: ac.counts}
	}
	if spec.expire || spec.fixed {
		return &effKey{kind: effNone, origin: ac}
	}
	if ac.method == "Allocate" {
		return &effKey{kind: effFresh, space: "fresh:" + ac.state, origin: ac}
	}
	if ac.keyV == nil {
		return &effKey{kind: effAll, code: "MAE003", origin: ac,
			why: fmt.Sprintf("%s.%s reads the whole container, so it conflicts with every write by any packet", ac.state, ac.method)}
	}
	ls := leaves(ac.keyV, "")
	for _, l := range ls {
		if l.v.k == kLoop {
			return &effKey{kind: effAll, code: "MAE004", origin: ac,
				why: fmt.Sprintf("%s.%s runs in a loop over the container's entries, so every packet touches every entry", ac.state, ac.method)}
		}
	}
	// An index found or allocated by another access stands for its key,
	// except for the "no entry" sentinel in key space: one key that every
	// packet taking the sentinel path shares.
	if len(ls) == 1 && ls[0].v.k == kPooled {
		return ac.pooledKey(ls[0].v)
	}
	if len(ls) == 1 && (ls[0].v.k == kIndex || ls[0].v.k == kFresh) && ls[0].v.neg && spec.space == "key" {
		return &effKey{kind: effUnhashable, code: "MAE002", origin: ac,
			why: fmt.Sprintf("the key of %s.%s is an index or a negative \"no entry\" sentinel, which every packet on that path shares", ac.state, ac.method)}
	}
	if len(ls) == 1 && (ls[0].v.k == kIndex || ls[0].v.k == kFresh) && ls[0].v.acc != nil {
		src := ls[0].v.acc
		e := src.effective()
		if e.kind == effAll || e.kind == effUnhashable {
			return &effKey{kind: e.kind, code: e.code, why: e.why, origin: e.origin}
		}
		return e
	}
	// An index read from a table's entries, where every write of those
	// entries stores an index just allocated by one allocator, is that
	// allocator's index: per core under shared-nothing, like the table.
	if len(ls) == 1 && ls[0].v.k == kEntry && spec.space == "index" {
		if alloc := ac.a.slotAllocator(ls[0].v); alloc != "" {
			return &effKey{kind: effFresh, space: "fresh:" + alloc, origin: ac}
		}
	}
	if vs := ac.verifiedBy(); len(vs) > 0 {
		return &effKey{kind: effVerified, ver: vs, origin: ac}
	}
	space := spec.space + ":" + ac.state
	hashableAny := false
	var parts []string
	for _, l := range ls {
		if l.v.k == kPacket && hashable(l.v.field) && l.v.cfg == "" && l.v.mask != 0 {
			hashableAny = true
		}
		parts = append(parts, l.v.describe())
	}
	if hashableAny {
		return &effKey{kind: effFields, space: space, leaves: ls, origin: ac}
	}
	code := "MAE003"
	for _, l := range ls {
		if l.v.k == kOpaque || (l.v.k == kPacket && l.v.cfg != "") {
			code = "MAE002"
		}
	}
	return &effKey{kind: effUnhashable, code: code, origin: ac,
		why: fmt.Sprintf("the key of %s.%s (%s) has no component RSS can hash, so packets with any addresses may share its entry", ac.state, ac.method, strings.Join(dedupStrings(parts), ", "))}
}

// pooledKey is the effective key of ac, keyed by the index v that a value
// table's IndexOf gave: effPooled when the rule of the file comment
// applies, opaque otherwise.
func (ac *access) pooledKey(v *val) *effKey {
	src := v.acc
	bad := func(why string, args ...any) *effKey {
		return &effKey{kind: effUnhashable, code: "MAE002", origin: ac, why: fmt.Sprintf(why, args...)}
	}
	if ac.spec.space != "index" {
		return bad("%s.%s uses the index that %s gave as a key, not as an index of the table", ac.state, ac.method, src.label())
	}
	if src.state != ac.state {
		return bad("%s.%s is given the index %s gave: only the table that gives a value's index allocates that value on the core its packets reach", ac.state, ac.method, src.label())
	}
	f := src.keyV
	if f == nil || f.k != kPacket || !hashable(f.field) || f.cfg != "" || f.xor != nil || f.xf != "" || f.shift != 0 {
		what := "an unknown value"
		if f != nil {
			what = f.describe()
		}
		return bad("%s.%s is given the index of %s: RSS-aware allocation needs the value of a whole packet field RSS hashes, as the packet carries it", ac.state, ac.method, what)
	}
	rf, _ := rssField(f.field)
	if f.mask != rf.FullMask() {
		return bad("%s.%s is given the index of packet %s masked by %#x: RSS-aware allocation needs the whole field", ac.state, ac.method, f.field, f.mask)
	}
	return &effKey{kind: effPooled, space: "pooled:" + ac.state, pfield: rf, origin: ac}
}

// pools derives the constraints of the pooled accesses of every written
// state (see the file comment) and returns the pools the plan relies on.
func (s *sharding) pools(byState map[string][]*access, written map[string]bool) []Pool {
	var out []Pool
	states := make([]string, 0, len(byState))
	for st := range byState {
		states = append(states, st)
	}
	sort.Strings(states)
	for _, st := range states {
		if !written[st] {
			continue
		}
		var anchor side
		var anchorAcc *access
		for _, ac := range byState[st] {
			e := ac.effective()
			if e.kind != effPooled {
				continue
			}
			fields := []rss.Bits{rss.Whole(e.pfield)}
			ports := s.expand(ac.ports)
			if anchorAcc == nil {
				anchorAcc = ac
				anchor = side{ports[0], fields}
				out = append(out, Pool{State: st, Port: ports[0], Field: e.pfield.String()})
			}
			why := fmt.Sprintf("%s: %s.%s is keyed by the index of the value of %v, allocated on the core its packets on port %d reach (%s)",
				shortPos(s.a.pass.Fset, ac.pos), ac.state, ac.method, e.pfield, anchor.port, anchorAcc.label())
			for _, p := range ports {
				s.same(anchor, side{p, fields}, why)
			}
		}
	}
	return out
}

// verifiedBy returns the checks that make ac a verified access: checks on
// entries found with the same key, on overlapping ports, which ac (when it
// writes) can only run after passing.
func (ac *access) verifiedBy() []*verification {
	hasPacket := false
	for _, l := range leaves(ac.keyV, "") {
		if l.v.k == kPacket {
			hasPacket = true
		}
	}
	if !hasPacket {
		return nil
	}
	k := ac.keyV.key()
	var out []*verification
	for _, v := range ac.a.verifs {
		if v.acc.keyV == nil || v.acc.keyV.key() != k || v.ports&ac.ports == 0 {
			continue
		}
		if ac.spec.op != OpRead && !v.guards(ac) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// guards reports whether every path to ac passes the success side of v.
func (v *verification) guards(ac *access) bool {
	fr, blk := ac.fr, ac.block
	for fr != nil && fr != v.fr {
		blk = fr.siteBlock
		fr = fr.parent
	}
	if fr == nil || blk == nil || len(v.success.Preds) != 1 {
		return false
	}
	return v.success.Dominates(blk)
}

// onlyFresh reports whether every access to state is by allocated
// indexes or keyless expiry.
func (a *nfAnalysis) onlyFresh(state string) bool {
	for _, ac := range a.accesses {
		if ac.state == state {
			if k := ac.effective().kind; k != effFresh && k != effNone {
				return false
			}
		}
	}
	return true
}

// freshOwner names the allocator of the fresh side of a pair.
func freshOwner(ex, ey *effKey) string {
	if ex.kind != effFresh {
		ex = ey
	}
	return strings.TrimPrefix(ex.space, "fresh:")
}

// otherDesc describes the other side of a pair with a fresh side.
func otherDesc(ex, ey *effKey) string {
	if ex.kind == effFresh && ey.kind == effFresh {
		return "an index " + strings.TrimPrefix(ey.space, "fresh:") + " allocates"
	}
	if ex.kind == effFresh {
		ex = ey
	}
	return ex.describe()
}

// slotAllocator returns the allocator whose fresh indexes every write of
// the entry data v names stores ("" if any write stores anything else, or
// none writes it).
func (a *nfAnalysis) slotAllocator(v *val) string {
	r := v.acc
	if r == nil || v.part != "value" {
		return ""
	}
	alloc := ""
	for _, w := range a.accesses {
		if w.state != r.state || w.spec.op != OpWrite {
			continue
		}
		if w.spec.storeArg < 0 {
			continue // removes and expiry store nothing
		}
		sv := w.stored
		if sv == nil {
			return ""
		}
		for _, p := range v.path {
			sv = sv.comp(p)
		}
		if sv.k != kFresh || sv.acc == nil || sv.acc.method != "Allocate" {
			return ""
		}
		if alloc != "" && alloc != sv.acc.state {
			return ""
		}
		alloc = sv.acc.state
	}
	return alloc
}

// xorSelf records that port's queue must not change when the XOR terms t1
// and t2 swap values: by linearity their key windows are then equal and
// the queue is a function of t1 ^ t2.
func (s *sharding) xorSelf(port int, t1, t2 rss.Bits) {
	c := rss.Same(port, []rss.Bits{t1, t2}, port, []rss.Bits{t2, t1}, fmt.Sprintf("the key XORs %v and %v", t1, t2))
	k := constraintText(c)
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	s.constraints = append(s.constraints, c)
}

// side is one side of a pairing: port and the fields on it.
type side struct {
	port   int
	fields []rss.Bits
}

// sharding holds the outcome of the pairing.
type sharding struct {
	a           *nfAnalysis
	constraints []rss.Constraint
	seen        map[string]bool
	allowed     map[int]*[4]uint32 // per port: allowed bits per rss field
	allowedWhy  map[int][]string
	conflicts   []*effKey
	conflictSet map[string]bool
}

func rssField(name string) (rss.Field, bool) {
	switch name {
	case "SrcIP":
		return rss.SrcIP, true
	case "DstIP":
		return rss.DstIP, true
	case "SrcPort":
		return rss.SrcPort, true
	case "DstPort":
		return rss.DstPort, true
	}
	return 0, false
}

func hashLeaf(v *val) (rss.Bits, bool) {
	if v == nil || v.k != kPacket || v.cfg != "" || v.mask == 0 {
		return rss.Bits{}, false
	}
	if v.xor != nil {
		if _, ok := hashLeaf(v.xor); !ok {
			return rss.Bits{}, false
		}
	}
	f, ok := rssField(v.field)
	if !ok {
		return rss.Bits{}, false
	}
	return rss.Bits{Field: f, Mask: v.mask & f.FullMask()}, true
}

// valueBits maps the field bits of a packet value to the value bits that
// hold them (field bit j is value bit j-shift).
func valueBits(mask uint32, shift int) uint64 {
	if shift >= 0 {
		return uint64(mask) >> uint(min(shift, 63))
	}
	return uint64(mask) << uint(min(-shift, 63))
}

// termPair is the alignment of two key components, XOR terms included:
// a and b pair x's first term with y's; xa and xb are x's and y's second
// XOR terms on the same value bits (zero Bits when there is none), which
// their port's hash must weigh exactly like the first term.
type termPair struct {
	a, b, xa, xb rss.Bits
}

// pairTerms aligns two packet components, each a field or an XOR of two
// fields, on the value bits both keep.
func pairTerms(x, y *val) (termPair, bool) {
	bx, okx := hashLeaf(x)
	by, oky := hashLeaf(y)
	if !okx || !oky || x.xf != y.xf {
		return termPair{}, false
	}
	if (x.xor == nil) != (y.xor == nil) {
		// a1^a2 == b says nothing the constraint language can state
		// about a1, a2 and b one by one.
		return termPair{}, false
	}
	if x.xf != "" && (x.mask != y.mask || x.shift != y.shift) {
		return termPair{}, false
	}
	v := valueBits(bx.Mask, x.shift) & valueBits(by.Mask, y.shift)
	at := func(b rss.Bits, t *val) rss.Bits {
		return rss.Bits{Field: b.Field, Mask: fieldBits(v, t.shift) & b.Mask}
	}
	p := termPair{a: at(bx, x), b: at(by, y)}
	if p.a.Mask == 0 || p.b.Mask == 0 || bitsCount(p.a.Mask) != bitsCount(p.b.Mask) {
		return termPair{}, false
	}
	for _, side := range []struct {
		t   *val
		out *rss.Bits
	}{{x.xor, &p.xa}, {y.xor, &p.xb}} {
		if side.t == nil {
			continue
		}
		b, _ := hashLeaf(side.t)
		*side.out = at(b, side.t)
		if bitsCount(side.out.Mask) != bitsCount(p.a.Mask) {
			return termPair{}, false
		}
	}
	return p, true
}

func bitsCount(m uint32) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

func (s *sharding) conflict(e *effKey) {
	k := fmt.Sprint(e.origin.pos, e.code, e.why)
	if s.conflictSet[k] {
		return
	}
	s.conflictSet[k] = true
	s.conflicts = append(s.conflicts, e)
}

func (s *sharding) allow(port int, fields []rss.Bits, why string) {
	m, ok := s.allowed[port]
	if !ok {
		m = &[4]uint32{}
		for f := rss.Field(0); f < 4; f++ {
			m[f] = f.FullMask()
		}
		s.allowed[port] = m
	}
	var keep [4]uint32
	for _, b := range fields {
		if b.Field < 4 {
			keep[b.Field] |= b.Mask
		}
	}
	for f := range m {
		m[f] &= keep[f]
	}
	s.allowedWhy[port] = append(s.allowedWhy[port], why)
}

func (s *sharding) same(a, b side, why string) {
	if len(a.fields) == 0 {
		return
	}
	s.allow(a.port, a.fields, why)
	s.allow(b.port, b.fields, why)
	if a.port == b.port && reflect.DeepEqual(a.fields, b.fields) {
		return // trivially true: the same fields of the same port
	}
	if b.port < a.port || (b.port == a.port && fmt.Sprint(b.fields) < fmt.Sprint(a.fields)) {
		a, b = b, a // one orientation per constraint
	}
	c := rss.Same(a.port, a.fields, b.port, b.fields, why)
	k := constraintText(c)
	if s.seen[k] {
		return
	}
	s.seen[k] = true
	s.constraints = append(s.constraints, c)
}

// expand lists the ports of a set (every port for nil).
func (s *sharding) expand(p portSet) []int {
	var out []int
	for i, u := range s.a.universe {
		if p&(portSet(1)<<i) != 0 {
			out = append(out, u)
		}
	}
	return out
}

// pair derives the constraints that accesses x and y impose.
func (s *sharding) pair(x, y *access) {
	ex, ey := x.effective(), y.effective()
	if ex.kind == effNone || ey.kind == effNone {
		return
	}
	if ex.kind == effFresh || ey.kind == effFresh {
		// Allocated indexes are per core under shared-nothing: two
		// accesses by indexes of the same allocator never meet across
		// cores. An allocated index against anything else (a key from
		// packet fields, another allocator's index) may name the same
		// element from two cores.
		if ex.kind == effFresh && ey.kind == effFresh && ex.space == ey.space {
			return
		}
		s.conflict(&effKey{kind: effUnhashable, code: "MAE003", origin: x,
			why: fmt.Sprintf("%s.%s and %s.%s at %s address the same elements, one by an index %s allocates per core and the other by %s, so they may meet across cores",
				x.state, x.method, y.state, y.method, shortPos(s.a.pass.Fset, y.pos), freshOwner(ex, ey), otherDesc(ex, ey))})
		return
	}
	for _, e := range []*effKey{ex, ey} {
		if e.kind == effAll || e.kind == effUnhashable {
			s.conflict(e)
			return
		}
	}
	if ex.kind == effPooled || ey.kind == effPooled {
		return // runs on the core that owns the value: constraints in pools
	}
	why := fmt.Sprintf("%s: %s.%s keyed by %s; %s: %s.%s keyed by %s",
		shortPos(s.a.pass.Fset, x.pos), x.state, x.method, ex.describe(),
		shortPos(s.a.pass.Fset, y.pos), y.state, y.method, ey.describe())
	for _, px := range s.expand(x.ports) {
		for _, py := range s.expand(y.ports) {
			a, b, ok := s.align(ex, px, ey, py)
			if !ok {
				s.conflict(&effKey{kind: effUnhashable, code: "MAE003", origin: x,
					why: fmt.Sprintf("%s.%s (port %d) and %s.%s at %s (port %d) may touch the same entry, but their keys share no component RSS can hash", x.state, x.method, px, y.state, y.method, shortPos(s.a.pass.Fset, y.pos), py)})
				return
			}
			s.same(side{px, a}, side{py, b}, why)
		}
	}
}

// align pairs the hashable components of two effective keys on ports px
// and py.
func (s *sharding) align(ex *effKey, px int, ey *effKey, py int) ([]rss.Bits, []rss.Bits, bool) {
	var fa, fb []rss.Bits
	add := func(a, b *val) {
		if p, ok := pairTerms(a, b); ok {
			fa, fb = append(fa, p.a), append(fb, p.b)
			if p.xa.Mask != 0 {
				// Both sides XOR two terms: pair them term by term, and
				// make each port's hash symmetric in its two terms, so
				// that it is a function of their XOR.
				fa, fb = append(fa, p.xa), append(fb, p.xb)
				s.xorSelf(px, p.a, p.xa)
				s.xorSelf(py, p.b, p.xb)
			}
		}
	}
	switch {
	case ex.kind == effFields && ey.kind == effFields:
		if ex.space != ey.space {
			return nil, nil, false
		}
		for _, lx := range ex.leaves {
			for _, ly := range ey.leaves {
				if lx.name == ly.name {
					add(lx.v, ly.v)
				}
			}
		}
	case ex.kind == effVerified && ey.kind == effVerified:
		for _, vx := range ex.ver {
			for _, vy := range ey.ver {
				if vx.entry == vy.entry {
					add(vx.pkt, vy.pkt)
				}
			}
		}
	case ex.kind == effVerified:
		for _, v := range ex.ver {
			if st := s.a.storedAt(v.entry, py); st != nil {
				add(v.pkt, st)
			}
		}
	case ey.kind == effVerified:
		b, a, ok := s.align(ey, py, ex, px)
		return a, b, ok
	}
	return fa, fb, len(fa) > 0
}

// storedAt returns the packet data that writes on port store in the entry
// data named by entry ("state.part.path"), when they all agree.
func (a *nfAnalysis) storedAt(entry string, port int) *val {
	parts := strings.SplitN(entry, ".", 3)
	if len(parts) < 2 {
		return nil
	}
	state, part := parts[0], parts[1]
	var path []string
	if len(parts) == 3 && parts[2] != "" {
		path = strings.Split(parts[2], ".")
	}
	bit, ok := a.portBit(int64(port))
	if !ok {
		return nil
	}
	var found *val
	for _, w := range a.accesses {
		if w.state != state || w.ports&bit == 0 || w.spec.op != OpWrite {
			continue
		}
		var v *val
		switch {
		case part == "key" && w.spec.space == "key" && w.keyV != nil:
			v = w.keyV
		case part == "value" && w.stored != nil:
			v = w.stored
		default:
			continue
		}
		for _, p := range path {
			v = v.comp(p)
		}
		if found != nil && found.key() != v.key() {
			return nil
		}
		found = v
	}
	return found
}

func (e *effKey) describe() string {
	switch e.kind {
	case effFields:
		var ps []string
		for _, l := range e.leaves {
			if _, ok := hashLeaf(l.v); ok {
				ps = append(ps, l.v.describe())
			}
		}
		return "(" + strings.Join(ps, ", ") + ")"
	case effVerified:
		var ps []string
		for _, v := range e.ver {
			ps = append(ps, v.String())
		}
		return "checked entry (" + strings.Join(ps, ", ") + ")"
	}
	return e.why
}

// fillPlan turns the walk into the plan: accesses, read-only state,
// constraints, strategy and reasons; and reports MAE002-MAE004.
func (a *nfAnalysis) fillPlan(plan *Plan) {
	fset := a.pass.Fset
	plan.Ports = append([]int{}, a.universe...)
	plan.WritesFrame = a.writesFrame
	a.checkTiming()

	byState := map[string][]*access{}
	live := a.accesses[:0]
	for _, ac := range a.accesses {
		if ac.ports == 0 {
			continue // in a block no port reaches: evaluated for a value, never run
		}
		live = append(live, ac)
		byState[ac.state] = append(byState[ac.state], ac)
	}
	a.accesses = live
	s := &sharding{a: a, seen: map[string]bool{}, allowed: map[int]*[4]uint32{}, allowedWhy: map[int][]string{}, conflictSet: map[string]bool{}}
	written := map[string]bool{}
	for i := range plan.State {
		st := &plan.State[i]
		accs := byState[st.Field]
		st.ReadOnly = true
		if fd := a.nf.fields[st.Field]; fd != nil {
			st.PerCoreEstimates = fd.perCoreEstimates
		}
		for _, ac := range accs {
			if ac.spec.op != OpRead {
				st.ReadOnly = false
			}
		}
		seen := map[string]bool{}
		for _, ac := range accs {
			pa := Access{Pos: shortPos(fset, ac.pos), Method: ac.method, Op: ac.spec.op, Ports: a.ports(ac.ports), Key: []Component{}}
			if ac.keyV != nil {
				for _, l := range leaves(ac.keyV, "") {
					pa.Key = append(pa.Key, l.v.component())
				}
			} else if ac.method == "Allocate" {
				pa.Key = append(pa.Key, Component{Source: SourceFresh, Detail: "allocates a new index"})
			}
			k := fmt.Sprintf("%+v", pa)
			if !seen[k] {
				seen[k] = true
				st.Accesses = append(st.Accesses, pa)
			}
		}
		sort.SliceStable(st.Accesses, func(i, j int) bool { return posLess(st.Accesses[i].Pos, st.Accesses[j].Pos) })
		if len(accs) == 0 {
			if fd, ok := a.nf.fields[st.Field]; ok && fd.field != nil {
				a.r.report(fd.field.Pos(), "MAE018", "//maestro:state field %s has no access on the packet path: if Process does use it, the analysis has lost sight of it (check how it is reached); otherwise drop it", st.Field)
			}
		}
		if st.ReadOnly {
			pos := shortPos(fset, a.nf.name.Pos())
			if len(st.Accesses) > 0 {
				pos = st.Accesses[0].Pos
			}
			plan.Reasons = append(plan.Reasons, Reason{Pos: pos, Code: "read-only", Message: fmt.Sprintf("%s is only read on the packet path: replicated per core, no constraint", st.Field)})
			continue
		}
		written[st.Field] = true
		for i, x := range accs {
			for _, y := range accs[i:] {
				if x.spec.op == OpRead && y.spec.op == OpRead {
					continue
				}
				s.pair(x, y)
			}
		}
	}

	pools := s.pools(byState, written)

	// Diagnostics about keys, once per access position, for the accesses
	// that did force locks (an unhashable key that meets no write, such as
	// a read of a table only Expire writes, forces nothing, and saying "the
	// NF runs with locks" there would contradict the plan).
	reported := map[string]bool{}
	forced := map[*access]bool{}
	for _, c := range s.conflicts {
		forced[c.origin] = true
	}
	for _, ac := range a.accesses {
		e := ac.effective()
		if e.origin != ac || (e.kind != effAll && e.kind != effUnhashable) || !forced[ac] {
			continue
		}
		k := fmt.Sprint(ac.pos, e.code)
		if reported[k] {
			continue
		}
		reported[k] = true
		switch e.code {
		case "MAE004":
			a.r.report(ac.pos, "MAE004", "%s.%s iterates over the whole container on the packet path: every packet touches every entry, so the NF cannot be sharded and each packet costs O(capacity); key the work by packet fields, or leave sweeping to Expire", ac.state, ac.method)
		case "MAE021":
			a.r.report(ac.pos, "MAE021", "note: %s; the NF runs with locks and will not scale like shared-nothing (legal)", e.why)
		case "MAE002":
			a.r.report(ac.pos, "MAE002", "the key of %s.%s comes from opaque data (%s): the analysis cannot tell which packets share an entry, so the NF runs with locks; build the key from packet fields (p.SrcIP, p.Flow(), masks and shifts) or constants", ac.state, ac.method, opaqueParts(ac))
		default:
			if e.kind == effAll {
				a.r.report(ac.pos, "MAE003", "note: %s; the NF runs with locks and will not scale like shared-nothing (legal, but consider keying by packet fields RSS hashes)", e.why)
			} else {
				a.r.report(ac.pos, "MAE003", "note: %s; RSS hashes only IPv4 addresses and L4 ports, so the NF runs with locks and will not scale like shared-nothing (legal, but key by addresses or ports to shard)", e.why)
			}
		}
	}
	// Conflicts between two accesses whose own keys are fine (no common
	// hashable component, an allocated index meeting a packet key).
	for _, c := range s.conflicts {
		k := fmt.Sprint(c.origin.pos, c.code)
		if reported[k] || c.origin.effective() == c {
			continue
		}
		reported[k] = true
		a.r.report(c.origin.pos, c.code, "note: %s; the NF runs with locks and will not scale like shared-nothing", c.why)
	}

	// Strategy and reasons.
	if len(s.conflicts) > 0 || a.budget || len(a.lockReasons) > 0 || len(a.blocked) > 0 {
		plan.Strategy = Locks
		seen := map[string]bool{}
		add := func(r Reason) {
			k := r.Pos + r.Code + r.Message
			if !seen[k] {
				seen[k] = true
				plan.Reasons = append(plan.Reasons, r)
			}
		}
		for _, r := range a.blocked {
			add(r)
		}
		for _, c := range s.conflicts {
			add(Reason{Pos: shortPos(fset, c.origin.pos), Code: c.code, Message: c.why})
		}
		for _, r := range a.lockReasons {
			add(r)
		}
		if a.budget {
			add(Reason{Pos: shortPos(fset, a.nf.name.Pos()), Code: "MAE016", Message: "the packet path is too large to analyse completely"})
		}
		return
	}
	plan.Strategy = SharedNothing
	plan.Pools = pools
	if len(plan.State) == 0 {
		plan.Reasons = append(plan.Reasons, Reason{Pos: shortPos(fset, a.nf.name.Pos()), Code: "stateless", Message: "no //maestro:state: every core runs its own instance, any RSS key"})
	}
	for i := range plan.State {
		if !plan.State[i].ReadOnly {
			st := plan.State[i]
			pos := shortPos(fset, a.nf.name.Pos())
			if len(st.Accesses) > 0 {
				pos = st.Accesses[0].Pos
			}
			msg := fmt.Sprintf("every access to %s is keyed by packet fields RSS hashes", st.Field)
			if a.onlyFresh(st.Field) {
				msg = fmt.Sprintf("%s is addressed only by indexes each core allocates from its own copy (or by expiry)", st.Field)
			}
			plan.Reasons = append(plan.Reasons, Reason{Pos: pos, Code: "sharded", Message: msg})
		}
	}
	ports := make([]int, 0, len(s.allowed))
	for p := range s.allowed {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	for _, p := range ports {
		m := s.allowed[p]
		var fs []rss.Bits
		for f := rss.Field(0); f < 4; f++ {
			if m[f] != 0 {
				fs = append(fs, rss.Bits{Field: f, Mask: m[f]})
			}
		}
		why := strings.Join(dedupStrings(s.allowedWhy[p]), "; ")
		s.constraints = append(s.constraints, rss.DependsOn(p, why, fs...))
	}
	plan.Constraints = s.constraints
	for _, c := range plan.Constraints {
		plan.ConstraintText = append(plan.ConstraintText, constraintText(c))
	}
}

// constraintText formats a constraint without its (long) reason.
func constraintText(c rss.Constraint) string {
	c.Why = ""
	return c.String()
}

func opaqueParts(ac *access) string {
	var ps []string
	for _, l := range leaves(ac.keyV, "") {
		switch {
		case l.v.k == kOpaque:
			ps = append(ps, l.v.describe())
		case l.v.k == kPacket && l.v.cfg != "":
			ps = append(ps, fmt.Sprintf("packet %s masked by %s, whose value the analysis cannot know: use a constant mask such as p.%s & 0xffffff00", l.v.field, l.v.cfg, l.v.field))
		}
	}
	return strings.Join(dedupStrings(ps), ", ")
}

// posLess orders "file.go:line:col" positions.
func posLess(a, b string) bool {
	fa, la, ca := splitPos(a)
	fb, lb, cb := splitPos(b)
	if fa != fb {
		return fa < fb
	}
	if la != lb {
		return la < lb
	}
	return ca < cb
}

func splitPos(p string) (string, int, int) {
	var line, col int
	i := strings.LastIndexByte(p, ':')
	if i < 0 {
		return p, 0, 0
	}
	fmt.Sscan(p[i+1:], &col)
	p = p[:i]
	j := strings.LastIndexByte(p, ':')
	if j < 0 {
		return p, col, 0
	}
	fmt.Sscan(p[j+1:], &line)
	return p[:j], line, col
}
