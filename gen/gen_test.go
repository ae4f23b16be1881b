package gen

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/nic/rss"
)

// fwPlan returns the paper FW's catalog plan (5-tuple sharding) with its
// package filled in.
func fwPlan() *Plan {
	p := catalogPlans()["fwbasic"]
	p.Package, p.Constructor, p.ConfigType = "github.com/nfmaestro/maestro/examples/fwbasic", "New", "Config"
	return p
}

// TestFWJSONKeysSymmetric decodes the FW's plan as maestrogen -json prints
// it and checks, with the reference Toeplitz hash, that every flow and its
// reply reach the same queue, with and without L4 ports.
func TestFWJSONKeysSymmetric(t *testing.T) {
	d, err := Decide(fwPlan(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Plan.Strategy != SharedNothing {
		t.Fatalf("FW strategy %s, want %s (reasons %v)", d.Plan.Strategy, SharedNothing, d.Plan.Reasons)
	}
	raw, err := json.Marshal(d.Plan)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Strategy string `json:"strategy"`
		RSS      []struct {
			Port     int      `json:"port"`
			Key      string   `json:"key"`
			RETASize int      `json:"reta_size"`
			RETA     []uint16 `json:"reta"`
		} `json:"rss"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.RSS) != 2 || out.RSS[0].Port != 0 || out.RSS[1].Port != 1 {
		t.Fatalf("rss section %s: want ports 0 and 1", raw)
	}
	lan, err1 := hex.DecodeString(out.RSS[0].Key)
	wan, err2 := hex.DecodeString(out.RSS[1].Key)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(lan, wan) {
		t.Log("LAN and WAN keys are equal (a symmetric single key)")
	}
	size := out.RSS[0].RETASize
	if size != 512 || len(out.RSS[0].RETA) != size {
		t.Fatalf("RETA size %d with %d entries, want 512", size, len(out.RSS[0].RETA))
	}
	queue := func(key []byte, reta []uint16, s, d uint32, sp, dp uint16) uint16 {
		var in [12]byte
		binary.BigEndian.PutUint32(in[0:], s)
		binary.BigEndian.PutUint32(in[4:], d)
		binary.BigEndian.PutUint16(in[8:], sp)
		binary.BigEndian.PutUint16(in[10:], dp)
		return reta[rss.Toeplitz(key, in[:])&uint32(size-1)]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	used := map[uint16]bool{}
	for i := 0; i < 20000; i++ {
		s, dst := rng.Uint32(), rng.Uint32()
		sp, dp := uint16(rng.Uint32()), uint16(rng.Uint32())
		if i%4 == 0 {
			sp, dp = 0, 0 // ICMP and fragments: the NIC hashes the 2-tuple
		}
		q := queue(lan, out.RSS[0].RETA, s, dst, sp, dp)
		r := queue(wan, out.RSS[1].RETA, dst, s, dp, sp)
		if q != r {
			t.Fatalf("flow %08x:%d -> %08x:%d on LAN queue %d, its reply on WAN queue %d", s, sp, dst, dp, q, r)
		}
		used[q] = true
	}
	if len(used) != DefaultCores {
		t.Errorf("flows reached %d queues, want all %d", len(used), DefaultCores)
	}
}

// TestDecideInfeasibleFallsBack: a shared-nothing plan whose constraints
// cannot spread falls back to locks, blaming the constraint, unless
// shared-nothing is forced.
func TestDecideInfeasibleFallsBack(t *testing.T) {
	p := fwPlan()
	p.Constraints = append(p.Constraints, rss.DependsOn(1, "x.go:1: key on EthSrc"))
	d, err := Decide(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Plan.Strategy != Locks {
		t.Fatalf("strategy %s, want locks", d.Plan.Strategy)
	}
	var blamed bool
	for _, r := range d.Plan.Reasons {
		blamed = blamed || r.Code == "rss-blame" && strings.Contains(r.Message, "x.go:1")
	}
	if !blamed {
		t.Errorf("reasons %v do not blame x.go:1", d.Plan.Reasons)
	}
	if _, err := Decide(p, Options{Strategy: SharedNothing}); err == nil || !strings.Contains(err.Error(), "x.go:1") {
		t.Errorf("forcing shared-nothing: err %v, want an error blaming x.go:1", err)
	}
	if _, err := Decide(catalogPlans()["dbridge"], Options{Strategy: SharedNothing}); err == nil {
		t.Error("forcing shared-nothing on DBridge succeeded")
	}
	d, err = Decide(fwPlan(), Options{Strategy: Locks})
	if err != nil || d.Plan.Strategy != Locks {
		t.Fatalf("forcing locks: %v, %v", d, err)
	}
	if _, err := Decide(fwPlan(), Options{Strategy: "fast"}); err == nil {
		t.Error("unknown strategy accepted")
	}
	if _, err := Decide(fwPlan(), Options{NIC: "nosuchnic"}); err == nil {
		t.Error("unknown NIC accepted")
	}
}

// TestGenerateDeterministic: the same plan gives the same bytes, and a
// different seed different keys.
func TestGenerateDeterministic(t *testing.T) {
	gens := generateCatalog(t)
	again := generateCatalog(t)
	for name, g := range gens {
		if !bytes.Equal(g.Source, again[name].Source) {
			t.Errorf("%s: two generations differ", name)
		}
		if !bytes.HasPrefix(g.Source, []byte(Header+"\n")) {
			t.Errorf("%s: file does not start with %q", name, Header)
		}
	}
	a, _ := Decide(fwPlan(), Options{Seed: 1})
	b, _ := Decide(fwPlan(), Options{Seed: 2})
	if a.Plan.RSS[0].Key == b.Plan.RSS[0].Key {
		t.Error("seeds 1 and 2 gave the same key")
	}
}

// TestExplainMentionsEverything keeps -explain honest.
func TestExplainMentionsEverything(t *testing.T) {
	d, err := Decide(catalogPlans()["dbridge"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := d.Plan.Explain()
	for _, want := range []string{"strategy: locks", "MAE010", "state macs", "RSS port 0", "RSS port 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("explain output lacks %q:\n%s", want, text)
		}
	}
}
