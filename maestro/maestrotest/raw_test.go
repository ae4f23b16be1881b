package maestrotest_test

import (
	"testing"

	"github.com/nfmaestro/maestro/examples/nop"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// byProto forwards TCP to port 1 and everything else to port 0: it reads
// a header field.
type byProto struct{}

func (byProto) Process(p *maestro.Packet) maestro.Verdict {
	if p.Proto == maestro.ProtoTCP {
		return maestro.Forward(1)
	}
	return maestro.Forward(0)
}

// rawClaim runs byProto on every core and claims, through
// nic.HeaderReader, that it reads no header when claim is set: the wrong
// claim the analysis must never make.
type rawClaim struct {
	cores int
	claim bool
	cfgs  []rss.Config
}

func (x *rawClaim) Cores() int         { return x.cores }
func (x *rawClaim) RSS() []rss.Config  { return x.cfgs }
func (x *rawClaim) ReadsHeaders() bool { return !x.claim }

func (x *rawClaim) ProcessBurst(_ int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	for i := range pkts {
		verdicts[i] = byProto{}.Process(&pkts[i])
	}
}

// TestRawPacketsReachTheNF: a parallel NF that says it reads no header
// gets unparsed packets in Run, as on the DPDK and AF_XDP backends, so a
// wrong claim shows as mismatches; the generated NOP, which makes the
// claim rightly, matches.
func TestRawPacketsReachTheNF(t *testing.T) {
	tr := tallyTrace(t)
	cfgs := newLockedTally(t, 2, false).RSS()
	for _, claim := range []bool{false, true} {
		par := &rawClaim{cores: 2, claim: claim, cfgs: cfgs}
		rep, err := maestrotest.Run(byProto{}, par, tr, maestrotest.Options{Exact: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Mismatches > 0; got != claim {
			t.Errorf("claim %v: %d mismatches, want mismatches %v", claim, rep.Mismatches, claim)
		}
	}
	par, err := nop.NewParallel(nop.Config{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if par.ReadsHeaders() != maestro.OwnershipCheck {
		t.Fatalf("NOP: ReadsHeaders = %v", par.ReadsHeaders())
	}
	rep, err := maestrotest.Run(nop.New(nop.Config{}), par, tr, maestrotest.Options{Exact: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Error(err)
	}
}
