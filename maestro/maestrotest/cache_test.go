package maestrotest

import (
	"slices"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// stamp forwards every packet to port out and writes mark into its last
// byte: two stamps with different configurations disagree on every
// packet, verdict and bytes.
type stamp struct {
	out  maestro.Port
	mark byte
}

func (s stamp) Process(p *maestro.Packet) maestro.Verdict {
	if n := len(p.Data); n > 0 {
		p.Data[n-1] = s.mark
	}
	return maestro.Forward(s.out)
}

// stampParallel runs a stamp on every core (it has no state, so it is
// trivially shared-nothing).
type stampParallel struct {
	nf    stamp
	cores int
	cfgs  []rss.Config
}

func newStampParallel(nf stamp, cores int) *stampParallel {
	key := make([]byte, 52)
	for i := range key {
		key[i] = byte(i*37 + 11)
	}
	reta := rss.RoundRobin(512, cores)
	return &stampParallel{nf: nf, cores: cores, cfgs: []rss.Config{
		{Port: 0, Key: key, Fields: rss.HashIPv4All, RETA: reta},
		{Port: 1, Key: key, Fields: rss.HashIPv4All, RETA: reta, Default: true},
	}}
}

func (x *stampParallel) Cores() int        { return x.cores }
func (x *stampParallel) RSS() []rss.Config { return x.cfgs }

func (x *stampParallel) ProcessBurst(_ int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	for i := range pkts {
		verdicts[i] = x.nf.Process(&pkts[i])
	}
}

// TestMatrixSequentialPerCase: CheckMatrix shares one sequential run
// between the subtests of a case on a trace, not between cases. Two cases
// whose NFs disagree on every packet run on the same trace objects (twice,
// under two names): had the cached results been keyed by trace only, the
// second case would be compared with the first case's sequential NF and
// fail. Each case's Seq is built once per trace.
func TestMatrixSequentialPerCase(t *testing.T) {
	traces := hostile(t)[:1]
	traces = append(traces, Trace{Name: "again", Trace: traces[0].Trace})
	var built [2]int
	var cases []Case
	for k, nf := range []stamp{{out: 0, mark: 0xaa}, {out: 1, mark: 0x55}} {
		cases = append(cases, Case{
			Name:          []string{"to0", "to1"}[k],
			Seq:           func() maestro.NF { built[k]++; return nf },
			Par:           func(cores int) (Parallel, error) { return newStampParallel(nf, cores), nil },
			SharedNothing: true,
		})
	}
	CheckMatrix(t, traces, cases...)
	for k, n := range built {
		if n != len(traces) {
			t.Errorf("case %d: the sequential NF was built %d times for %d traces, want once per trace", k, n, len(traces))
		}
	}
}

// TestDispatchCacheKeyedByConfig: the dispatch cache gives each RSS
// configuration and core count its own dispatch, the one computed
// without it.
func TestDispatchCacheKeyedByConfig(t *testing.T) {
	tr := hostile(t)[0].Trace
	a := newStampParallel(stamp{}, 8).RSS()
	b := rss.CopyConfigs(a)
	b[0].Key[8] ^= 0xff // another key for port 0 only
	var dc dispatchCache
	for _, k := range []struct {
		cfgs  []rss.Config
		cores int
	}{{a, 8}, {b, 8}, {a, 4}, {a, 8}, {b, 8}} {
		disp, err := soft.RSSDispatcher(k.cfgs...)
		if err != nil {
			t.Fatal(err)
		}
		got := dc.coresOf(tr, disp, k.cfgs, k.cores)
		want := (*dispatchCache)(nil).coresOf(tr, disp, k.cfgs, k.cores)
		if !slices.Equal(got, want) {
			t.Fatalf("%d cores: the cached dispatch differs from the computed one", k.cores)
		}
	}
	if len(dc.entries) != 3 {
		t.Errorf("%d dispatches cached for 3 (configuration, cores) pairs", len(dc.entries))
	}
	if slices.Equal(dc.entries[0].coreOf, dc.entries[1].coreOf) {
		t.Error("the two keys dispatch the trace the same way: the test shows nothing")
	}
}
