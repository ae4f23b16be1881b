package maestrotest_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/examples/dbridge"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// rewriter changes packets three ways in turn, by a packet count in its
// state: it gives the packet other, longer data (a copy with one byte
// appended), flips the frame's last byte in place, or leaves it alone. The
// harness keeps only the packets an NF changed; this NF has each case.
// bug plants a difference in one case: 1 appends another byte, 2 flips
// another bit of the last byte.
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
	switch n % 3 {
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
	}
	return maestro.Forward(0)
}

// lockedRewriter runs one rewriter under a mutex, every packet a write
// pass reported through a LockGroup, like lockedTally.
type lockedRewriter struct {
	mu    sync.Mutex
	group *maestro.LockGroup
	nf    *rewriter
	cores int
	cfgs  []rss.Config
}

func (x *lockedRewriter) Cores() int                    { return x.cores }
func (x *lockedRewriter) RSS() []rss.Config             { return x.cfgs }
func (x *lockedRewriter) LockGroup() *maestro.LockGroup { return x.group }

func (x *lockedRewriter) ProcessBurst(core int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	for i := range pkts {
		x.mu.Lock()
		x.group.StartWrite(core, &pkts[i])
		verdicts[i] = x.nf.Process(&pkts[i])
		x.mu.Unlock()
	}
}

// TestChangedPacketsCompared: whether the NF leaves a packet alone,
// changes it in place or gives it other data, the harness compares the
// bytes it ends with, in trace order and in a serialised concurrent run;
// a difference planted in either kind of change is caught.
func TestChangedPacketsCompared(t *testing.T) {
	tr := tallyTrace(t)
	spread, err := dbridge.NewParallel(dbridge.DefaultConfig(), 4) // borrowed: a spreading RSS configuration
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []maestrotest.Mode{maestrotest.TraceOrder, maestrotest.Concurrent} {
		for bug := range 3 {
			par := &lockedRewriter{group: maestro.NewLockGroup(4), nf: newRewriter(bug), cores: 4, cfgs: spread.RSS()}
			rep, err := maestrotest.Run(newRewriter(0), par, tr, maestrotest.Options{Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Violations) != 0 {
				t.Fatalf("%v, bug %d: violations %v", mode, bug, rep.Violations)
			}
			// Every third packet takes the path with the bug.
			want := 0
			if bug != 0 {
				want = len(tr.Frames) / 3
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
