package benchtrace

import (
	"sync/atomic"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
)

// RunBursts measures proc on prepared bursts, all cores busy: one
// goroutine per core (RunParallel with parallelism 1 starts GOMAXPROCS of
// them, so bursts must hold that many cores), each cycling over its own
// core's bursts. It reports ns/pkt/core: wall time per packet times the
// cores, the cost one core pays per packet while the others work too.
func RunBursts(b *testing.B, proc nic.Processor, bursts [][][]maestro.Packet) {
	cores := len(bursts)
	var next atomic.Int32
	b.SetParallelism(1)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		core := int(next.Add(1)-1) % cores
		var vs [nic.BurstSize]maestro.Verdict
		mine, i := bursts[core], 0
		for pb.Next() {
			proc.ProcessBurst(core, mine[i], vs[:])
			if i++; i == len(mine) {
				i = 0
			}
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/nic.BurstSize*float64(cores), "ns/pkt/core")
}
