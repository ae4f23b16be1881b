package stateaccess

import (
	"go/constant"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

// TestOpaqueIdentity: values the analysis cannot follow are equal only when
// they are the same value. Two bytes of the frame described alike, or a
// byte and that byte plus one, are different keys, and joining them gives
// a value equal to neither; a value joined with itself stays itself.
func TestOpaqueIdentity(t *testing.T) {
	a := &val{k: kOpaque, pkt: true, why: "byte of p.Data"}
	b := &val{k: kOpaque, pkt: true, why: "byte of p.Data"}
	if a.key() == b.key() {
		t.Errorf("two opaque values described alike share key %s", a.key())
	}
	one := &val{k: kConst, why: "constant"}
	if sum := mixed(token.ADD, a, one); sum.key() == a.key() {
		t.Errorf("x+1 has x's key %s", a.key())
	}
	if j := join([]*val{a, b}); j.key() == a.key() || j.key() == b.key() {
		t.Errorf("join of two opaque values equals one of them: %s", j.describe())
	}
	if j := join([]*val{a, a}); j != a {
		t.Errorf("join of a value with itself is %s", j.describe())
	}
}

// TestJoinDescriptionsFlat: merging merged values lists the leaves once,
// at most maxAlternatives of them, instead of nesting descriptions.
func TestJoinDescriptionsFlat(t *testing.T) {
	var leaves []*val
	for _, w := range []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta"} {
		leaves = append(leaves, opaque("%s", w))
	}
	ab := join(leaves[:2])
	abc := join([]*val{ab, leaves[2], ab})
	if got, want := abc.describe(), "depends on the path taken (alpha or beta or gamma)"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	all := join([]*val{abc, join(leaves[3:])})
	d := all.describe()
	if strings.Count(d, "depends on") != 1 || !strings.HasSuffix(d, " or other values)") || strings.Contains(d, "zeta") {
		t.Errorf("describe = %q: want one flat list of %d and a mark for the rest", d, maxAlternatives)
	}
	if long := opaque("%s", strings.Repeat("x", 3*maxWhy)); len(long.why) > maxWhy+len("…") {
		t.Errorf("description of %d bytes", len(long.why))
	}
}

// TestUnknownConstantIdentity: configuration values the analysis cannot
// compute (cfg.A+1, an element of a configuration array) are equal only to
// themselves, while a named configuration field equals itself wherever it
// is read.
func TestUnknownConstantIdentity(t *testing.T) {
	a := &val{k: kConst, why: "configuration f.A"}
	b := &val{k: kConst, why: "configuration f.B"}
	one := &val{k: kConst, c: constant.MakeInt64(1)}
	two := &val{k: kConst, c: constant.MakeInt64(2)}
	sum := arith(token.ADD, a, one, types.Typ[types.Uint32])
	prod := arith(token.MUL, b, two, types.Typ[types.Uint32])
	if sum.key() == prod.key() {
		t.Errorf("cfg.A+1 and cfg.B*2 share key %s", sum.key())
	}
	if again := (&val{k: kConst, why: "configuration f.A"}); again.key() != a.key() {
		t.Errorf("two reads of configuration f.A differ: %s, %s", a.key(), again.key())
	}
	if join([]*val{sum, sum}) != sum {
		t.Error("a computed constant joined with itself is not itself")
	}
}

// TestConcatenation: packet fields ORed, added or XORed on disjoint value
// bits are their concatenation, term by term, whatever the order of the
// operations; overlapping bits, carries and transformed terms are opaque,
// and narrowing or shifting a concatenation applies to each term.
func TestConcatenation(t *testing.T) {
	u64 := types.Typ[types.Uint64]
	u32 := types.Typ[types.Uint32]
	c := func(n int64) *val { return &val{k: kConst, c: constant.MakeInt64(n)} }
	src, dst := packetField("SrcIP"), packetField("DstIP")
	sport, dport := packetField("SrcPort"), packetField("DstPort")
	hi := arith(token.SHL, src, c(32), u64)
	pair := arith(token.OR, hi, dst, u64)
	if pair.k != kConcat || len(pair.comps) != 2 {
		t.Fatalf("SrcIP<<32 | DstIP = %s, want a concatenation of two terms", pair.describe())
	}
	for _, op := range []token.Token{token.ADD, token.XOR} {
		if got := arith(op, dst, hi, u64); got.key() != pair.key() {
			t.Errorf("DstIP %s SrcIP<<32 = %s, want %s", op, got.describe(), pair.describe())
		}
	}
	ls := leaves(pair, "")
	if len(ls) != 2 || ls[0].name != ls[1].name || ls[0].v.field != "DstIP" || ls[1].v.field != "SrcIP" {
		t.Errorf("leaves %+v: want DstIP then SrcIP, one name", ls)
	}
	ports := arith(token.OR, arith(token.SHL, sport, c(16), u32), dport, u32)
	if ports.k != kConcat {
		t.Errorf("SrcPort<<16 | DstPort = %s", ports.describe())
	}
	// Overlapping value bits: SrcIP<<8 keeps SrcIP bits 0-23 at 8-31,
	// where SrcPort's 16 bits overlap them.
	if got := arith(token.OR, arith(token.SHL, src, c(8), u32), sport, u32); got.k != kOpaque {
		t.Errorf("SrcIP<<8 | SrcPort = %s, want opaque", got.describe())
	}
	// A carry can move bits between terms: + with a constant is opaque.
	if got := arith(token.ADD, pair, c(1), u64); got.k != kOpaque {
		t.Errorf("(SrcIP<<32 | DstIP) + 1 = %s, want opaque", got.describe())
	}
	// A transformed term has no known bit positions.
	if got := arith(token.OR, arith(token.MUL, src, c(3), u64), arith(token.SHL, dst, c(40), u64), u64); got.k != kOpaque {
		t.Errorf("SrcIP*3 | DstIP<<40 = %s, want opaque", got.describe())
	}
	// A third term on free bits extends it; one on taken bits does not.
	if got := arith(token.OR, ports, arith(token.SHL, packetField("Proto"), c(24), u32), u32); got.k != kOpaque {
		t.Errorf("(SrcPort<<16 | DstPort) | Proto<<24 = %s, want opaque (Proto overlaps SrcPort)", got.describe())
	}
	if got := arith(token.OR, arith(token.SHL, ports, c(8), u64), packetField("Proto"), u64); got.k != kConcat || len(got.comps) != 3 {
		t.Errorf("(SrcPort<<16 | DstPort)<<8 | Proto = %s, want three terms", got.describe())
	}
	// A mask applies to each term: the high word is gone, DstIP stays.
	if got := arith(token.AND, pair, c(0xffffffff), u64); got.k != kPacket || got.field != "DstIP" {
		t.Errorf("(SrcIP<<32 | DstIP) & 0xffffffff = %s, want packet DstIP", got.describe())
	}
	// Narrowing (uint32(...)) keeps the terms of the low bits.
	if got := narrow(pair, 32); got.k != kPacket || got.field != "DstIP" || got.mask != 0xffffffff {
		t.Errorf("uint32(SrcIP<<32 | DstIP) = %s, want packet DstIP", got.describe())
	}
	if got := narrow(ports, 8); got.k != kPacket || got.field != "DstPort" || got.mask != 0xff {
		t.Errorf("uint8(SrcPort<<16 | DstPort) = %s, want DstPort's low byte", got.describe())
	}
	if got := arith(token.SHR, pair, c(32), u64); got.k != kPacket || got.field != "SrcIP" {
		t.Errorf("(SrcIP<<32 | DstIP) >> 32 = %s, want packet SrcIP", got.describe())
	}
}
