//go:build !maestrogen

package fw

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// TestOwnershipCatchesAsymmetricKey plants a wrong RSS key (random, so a
// flow's replies land on cores that never saw it): the differential
// harness reports the dropped replies, and the ownership check (with
// -tags maestrocheck) names the flow keys two cores touched, where.
func TestOwnershipCatchesAsymmetricKey(t *testing.T) {
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 4000})
	if err != nil {
		t.Fatal(err)
	}
	tr := traces[len(traces)-1] // bidir: every flow is answered
	par, err := NewParallel(testConfig, 4)
	if err != nil {
		t.Fatal(err)
	}
	cfgs := par.RSS()
	rng := rand.New(rand.NewPCG(11, 11))
	for i := range cfgs {
		for j := range cfgs[i].Key {
			cfgs[i].Key[j] = byte(rng.Uint32())
		}
	}
	rep, err := maestrotest.Run(New(testConfig), par, tr.Trace, maestrotest.Options{RSS: cfgs})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches == 0 {
		t.Error("the differential harness missed a random RSS key")
	}
	own := par.Ownership()
	if !maestro.OwnershipCheck {
		if own != nil {
			t.Error("Ownership() is not nil without -tags maestrocheck")
		}
		return
	}
	if own.Count() == 0 {
		t.Fatal("the ownership check missed a random RSS key")
	}
	for _, v := range own.Violations() {
		if v.NF != "FW" || v.Field != "flows" || v.Owner == v.Core || !strings.HasPrefix(v.Site, "fw/fw.go:") || v.Op != "Table.Find" && v.Op != "Table.Insert" {
			t.Errorf("unexpected violation %v", v)
		}
	}
	if err := rep.Err(); err == nil || !strings.Contains(err.Error(), "ownership check: FW.flows: key ") {
		t.Errorf("the harness's report does not show the ownership violations:\n%v", err)
	}
	t.Logf("%d mismatches; %v", rep.Mismatches, own.Err())
}

// TestOwnershipCleanOnStandardTraces: the generated plan is right, so no
// core ever touches another core's flow key (with -tags maestrocheck;
// CheckMatrix in TestParallelMatchesSequential fails on violations too, this
// test also proves keys were recorded at all).
func TestOwnershipCleanOnStandardTraces(t *testing.T) {
	if !maestro.OwnershipCheck {
		t.Skip("needs -tags maestrocheck")
	}
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 4000})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range traces {
		par, err := NewParallel(testConfig, 8)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := maestrotest.Run(New(testConfig), par, tr.Trace, maestrotest.Options{Mode: maestrotest.Concurrent, Exact: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := rep.Err(); err != nil {
			t.Errorf("%s: %v", tr.Name, err)
		}
		if par.Ownership().Keys() == 0 {
			t.Errorf("%s: no key recorded: the check is not wired", tr.Name)
		}
	}
}

// BenchmarkCheckCost measures the parallel FW per packet on a churning,
// half-answered trace (inserts, lookups, expiry), four cores' work on one
// goroutine. Run it with and without -tags maestrocheck: the difference is
// the ownership check's cost.
func BenchmarkCheckCost(b *testing.B) {
	tr, err := traffic.Generate(traffic.Config{Ports: 2, Flows: 4000, Packets: 80000, Dist: traffic.Uniform,
		Bidir: 0.5, Churn: 1e6, Sizes: []int{64}, Seed: 9, Rate: 1e7, Start: 1_000_000_000, Proto: traffic.UDP})
	if err != nil {
		b.Fatal(err)
	}
	benchtrace.RunParallel(b, tr, func() (benchtrace.Parallel, error) { return NewParallel(DefaultConfig(), 4) })
}
