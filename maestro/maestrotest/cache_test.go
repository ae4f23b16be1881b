package maestrotest

import (
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
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
