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
