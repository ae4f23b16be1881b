package catalog

import (
	"flag"
	"testing"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/examples/nat"
)

func TestNewParallel(t *testing.T) {
	p, err := NewParallel("fw", fw.DefaultConfig(), 4)
	if err != nil || p.Cores() != 4 {
		t.Fatalf("fw: %v, %v", p, err)
	}
	if _, err := NewParallel("fw", nat.DefaultConfig(), 4); err == nil {
		t.Error("fw built from a NAT configuration")
	}
	if _, err := NewParallel("nosuch", nil, 4); err == nil {
		t.Error("unknown NF accepted")
	}
	for _, nf := range All() {
		if _, ok := parallels[nf.Name]; !ok {
			t.Errorf("%s has no parallel constructor", nf.Name)
		}
	}
}

// TestBuildersHaveParallel checks that every catalog entry, built from its
// default flags, yields both a sequential NF and a parallel one for 2 cores.
func TestBuildersHaveParallel(t *testing.T) {
	for _, nf := range All() {
		fs := flag.NewFlagSet(nf.Name, flag.ContinueOnError)
		b := nf.Flags(fs)
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Seq(); err != nil {
			t.Errorf("%s: sequential: %v", nf.Name, err)
		}
		if b.Parallel == nil {
			t.Errorf("%s: no parallel builder", nf.Name)
			continue
		}
		p, err := b.Parallel(2)
		if err != nil || p.Cores() != 2 {
			t.Errorf("%s: parallel: %v", nf.Name, err)
		}
	}
}
