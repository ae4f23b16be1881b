package benchtrace

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Parallel is a generated parallel NF as RunParallel drives it.
type Parallel interface {
	nic.Processor
	RSS() []rss.Config
}

// RunParallel measures the per-packet work of a parallel NF on tr, fed as
// a NIC feeds it: each packet goes to the core its RSS configuration picks,
// each core takes its packets in trace order in bursts of nic.BurstSize,
// and the cores take turns, one burst each, on one goroutine (so the
// number is work per packet, not scaling). Every round starts, untimed,
// from a fresh NF built by newPar and the trace's original bytes, so that
// first touches of keys (inserts) are measured as well as lookups. It
// reports ns/pkt, wall time, and cpu-ns/pkt, the process's CPU time over
// the timed parts: on a machine shared with other work the wall time also
// counts the time the benchmark waited for a CPU, the CPU time does not
// (and it includes the garbage collector's work on other threads).
func RunParallel(b *testing.B, tr *soft.Trace, newPar func() (Parallel, error)) {
	par, err := newPar()
	if err != nil {
		b.Fatal(err)
	}
	disp, err := soft.RSSDispatcher(par.RSS()...)
	if err != nil {
		b.Fatal(err)
	}
	cores := par.Cores()
	// Each core's frames, in trace order.
	frames := make([][]*soft.Frame, cores)
	var p maestro.Packet
	for i := range tr.Frames {
		f := &tr.Frames[i]
		p.Reset(append([]byte(nil), f.Data...), f.Port, f.Time)
		c := max(disp(&p), 0) % cores
		frames[c] = append(frames[c], f)
	}
	pkts := make([][]maestro.Packet, cores)
	for c := range pkts {
		pkts[c] = make([]maestro.Packet, len(frames[c]))
	}
	var verdicts [nic.BurstSize]maestro.Verdict
	var cpu time.Duration
	cpuOK := true
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if par, err = newPar(); err != nil {
			b.Fatal(err)
		}
		for c, fs := range frames {
			for i, f := range fs {
				buf := append(pkts[c][i].Data[:0], f.Data...)
				pkts[c][i].Reset(buf, f.Port, f.Time)
			}
		}
		c0, ok0 := processCPU()
		b.StartTimer()
		for start, busy := 0, true; busy; start += nic.BurstSize {
			busy = false
			for c, ps := range pkts {
				if start < len(ps) {
					busy = true
					burst := ps[start:min(start+nic.BurstSize, len(ps))]
					par.ProcessBurst(c, burst, verdicts[:])
				}
			}
		}
		b.StopTimer()
		c1, ok1 := processCPU()
		cpu += c1 - c0
		cpuOK = cpuOK && ok0 && ok1
		b.StartTimer()
	}
	n := float64(b.N) * float64(len(tr.Frames))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/pkt")
	if cpuOK {
		b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/pkt")
	}
}
