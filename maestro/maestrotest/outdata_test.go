package maestrotest_test

import (
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// rewriter changes packets four ways in turn, by a packet count in its
// state: it gives the packet other, longer data (a copy with one byte
// appended), flips the frame's last byte in place, cuts the frame short,
// or leaves it alone. The harness keeps only the packets an NF changed;
// this NF has each case. bug plants a difference in one case: 1 appends
// another byte, 2 flips another bit of the last byte, 3 cuts one byte
// more.
type rewriter struct {
	counts *maestro.Map[uint32, uint32]
	bug    int
}

func newRewriter(bug int) *rewriter {
	return &rewriter{counts: maestro.NewMap[uint32, uint32](16), bug: bug}
}

func (r *rewriter) Process(p *maestro.Packet) maestro.Verdict {
	n, _ := r.counts.Get(0)
	n++
	r.counts.Put(0, n)
	switch n % 4 {
	case 0:
		b := byte(n)
		if r.bug == 1 {
			b++
		}
		p.Data = append(p.Data[:len(p.Data):len(p.Data)], b)
	case 1:
		bit := byte(1)
		if r.bug == 2 {
			bit = 2
		}
		p.Data[len(p.Data)-1] ^= bit
	case 2:
		cut := 1
		if r.bug == 3 {
			cut = 2
		}
		p.Data = p.Data[:len(p.Data)-cut]
	}
	return maestro.Forward(0)
}

// TestChangedPacketsCompared: whether the NF leaves a packet alone,
// changes it in place, shortens it or gives it other data, the harness compares the
// bytes it ends with, in trace order and in a serialised concurrent run;
// a difference planted in either kind of change is caught.
func TestChangedPacketsCompared(t *testing.T) {
	tr := tallyTrace(t)
	for _, mode := range []maestrotest.Mode{maestrotest.TraceOrder, maestrotest.Concurrent} {
		for bug := range 4 {
			nf := newRewriter(bug)
			par := newLockedNF(t, 4, func(int) maestro.NF { return nf })
			rep, err := maestrotest.Run(newRewriter(0), par, tr, maestrotest.Options{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Violations) != 0 {
				t.Fatalf("%v, bug %d: violations %v", mode, bug, rep.Violations)
			}
			// Every fourth packet takes the path with the bug.
			want := 0
			if bug != 0 {
				want = len(tr.Frames) / 4
			}
			if rep.Mismatches < want || rep.Mismatches > want+1 {
				t.Errorf("%v, bug %d: %d mismatches, want about %d: %v", mode, bug, rep.Mismatches, want, rep.Err())
			}
			for _, m := range rep.First {
				if !strings.HasPrefix(m.Why, "bytes differ") {
					t.Errorf("%v, bug %d: mismatch %v, want bytes differ", mode, bug, m)
				}
			}
		}
	}
}
