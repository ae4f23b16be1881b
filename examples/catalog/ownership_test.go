package catalog

import (
	"flag"
	"slices"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// TestOwnershipCatalog runs every catalog NF, built from its default flags
// as nfrun builds it, on two standard traces (churn: keys come and go;
// bidir: every flow answered) with -tags maestrocheck: the
// shared-nothing ones must record keys (the check is wired) and see no
// core touch another core's key (their plans are right); the lock-based
// ones offer no check. Output equality is the NFs' own differential
// tests' business (a NAT needs its port mapping), not this test's.
func TestOwnershipCatalog(t *testing.T) {
	if !maestro.OwnershipCheck {
		t.Skip("needs -tags maestrocheck")
	}
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 4000})
	if err != nil {
		t.Fatal(err)
	}
	sharedNothing := []string{"cl", "fw", "fw-basic", "hhh", "nat", "nop", "policer", "psd", "sbridge"}
	stateless := []string{"nop", "sbridge"} // nothing written on the packet path
	for _, nf := range All() {
		b := nf.Flags(flag.NewFlagSet(nf.Name, flag.ContinueOnError))
		for _, tr := range traces {
			if tr.Name != "churn" && tr.Name != "bidir" {
				continue
			}
			seq, err := b.Seq()
			if err != nil {
				t.Fatal(err)
			}
			proc, err := b.Parallel(4)
			if err != nil {
				t.Fatal(err)
			}
			par, ok := proc.(maestrotest.Parallel)
			if !ok {
				t.Fatalf("%s: parallel NF has no RSS configuration", nf.Name)
			}
			o, checked := proc.(interface{ Ownership() *maestro.Ownership })
			if want := slices.Contains(sharedNothing, nf.Name); checked != want {
				t.Errorf("%s: has an ownership check: %v, want %v (shared-nothing)", nf.Name, checked, want)
			}
			if _, err := maestrotest.Run(seq, par, tr.Trace, maestrotest.Options{Mode: maestrotest.Concurrent}); err != nil {
				t.Fatal(err)
			}
			if !checked {
				continue
			}
			own := o.Ownership()
			if err := own.Err(); err != nil {
				t.Errorf("%s on %s: %v", nf.Name, tr.Name, err)
			}
			if recorded := own.Keys() > 0; recorded == slices.Contains(stateless, nf.Name) {
				t.Errorf("%s on %s: %d keys recorded", nf.Name, tr.Name, own.Keys())
			}
		}
	}
}
