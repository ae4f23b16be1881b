//go:build dpdk

package dpdk

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"golang.org/x/sys/unix"
)

// Benchmarks run in the test binary's own process (tests run in children),
// on an EAL with two net_null ports started once.
var benchInit struct {
	sync.Once
	err error
}

func benchEAL(b *testing.B) {
	if os.Getenv(childEnv) != "" {
		b.Skip("benchmarks run in the parent process")
	}
	benchInit.Do(func() { benchInit.err = Init(nullEAL(2)) })
	if benchInit.err != nil {
		b.Fatal(benchInit.err)
	}
}

// countingNOP swaps ports 0 and 1 and ends the run once every core has
// processed its share of the benchmark's packets.
type countingNOP struct {
	cores  int
	target uint64
	// parse asks for parsed packets (ReadsHeaders), which the NOP does not
	// read: the floor of an NF that reads headers.
	parse  bool
	cancel context.CancelFunc
	n      []paddedCount
	done   atomic.Int32
}

type paddedCount struct {
	n uint64
	// cpu0 and n0 are the worker thread's CPU time and n at its first
	// burst; cpu1 and n1 at the burst that reached the target.
	cpu0, cpu1 int64
	n0, n1     uint64
	_          [24]byte
}

// threadCPU returns the calling thread's CPU time in nanoseconds.
func threadCPU() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return ts.Nano()
}

// cpuPerPacket returns the workers' CPU time per packet, in nanoseconds,
// between each worker's first burst and the one that reached the target:
// the poll loop's cost, without the set-up and stop of the run, and
// without the time the scheduler gave to other processes.
func (c *countingNOP) cpuPerPacket() float64 {
	var cpu int64
	var n uint64
	for i := range c.n {
		cpu += c.n[i].cpu1 - c.n[i].cpu0
		n += c.n[i].n1 - c.n[i].n0
	}
	return float64(cpu) / float64(n)
}

func (c *countingNOP) Cores() int { return c.cores }

// ReadsHeaders is false, as for the generated NOP (it reads only InPort),
// unless c.parse.
func (c *countingNOP) ReadsHeaders() bool { return c.parse }

func (c *countingNOP) ProcessBurst(core int, pkts []maestro.Packet, v []maestro.Verdict) {
	for i := range pkts {
		v[i] = maestro.Forward(1 - pkts[i].InPort)
	}
	c.count(core, len(pkts))
}

// BenchmarkNullNOP measures the whole DPDK path per packet: net_null RX
// (which allocates the mbufs), building the Packets, the NF call, verdicts
// and net_null TX (which frees them). One op is one packet.
func BenchmarkNullNOP(b *testing.B) {
	for _, cores := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", cores), func(b *testing.B) {
			benchEAL(b)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			proc := &countingNOP{cores: cores, target: uint64(b.N/cores + 1), cancel: cancel, n: make([]paddedCount, cores)}
			cfg := Config{Cores: cores, BusyPoll: true, Logf: b.Logf}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			res, err := Run(ctx, cfg, proc, nil)
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			pkts := float64(res.Stats.Total.RX)
			b.ReportMetric(pkts/elapsed.Seconds()/1e6, "Mpps")
			b.ReportMetric(float64(elapsed.Nanoseconds())/pkts, "ns/pkt")
			b.ReportMetric(proc.cpuPerPacket(), "cpu-ns/pkt")
			if res.Stats.Pool.InUse != 0 {
				b.Errorf("mbufs in use after the run: %+v", res.Stats.Pool)
			}
		})
	}
}

// zeroFrames are what net_null delivers: 64 zero bytes (an Ethernet header
// with EtherType 0, so parsing stops after it, as on the DPDK path).
func zeroFrames() [][]byte {
	f := make([][]byte, nic.BurstSize)
	for i := range f {
		f[i] = make([]byte, 64)
	}
	return f
}

// BenchmarkGoProcessBurst is the NF call alone: ProcessBurst over
// pre-built Packets, no DPDK. One op is one packet.
func BenchmarkGoProcessBurst(b *testing.B) {
	proc := &countingNOP{cores: 1, target: ^uint64(0), n: make([]paddedCount, 1)}
	var pkts [nic.BurstSize]maestro.Packet
	var v [nic.BurstSize]maestro.Verdict
	for i, f := range zeroFrames() {
		pkts[i].Reset(f, maestro.Port(i%2), 0)
	}
	for done := 0; done < b.N; done += nic.BurstSize {
		proc.ProcessBurst(0, pkts[:], v[:])
	}
}

// BenchmarkGoWorker is the Go half of a worker's burst without DPDK: Reset
// every Packet over its frame, ProcessBurst, and sort the verdicts into
// per-port output lists. BenchmarkNullNOP minus this is what the cgo
// binding and the DPDK driver cost per packet. One op is one packet.
func BenchmarkGoWorker(b *testing.B) {
	proc := &countingNOP{cores: 1, target: ^uint64(0), n: make([]paddedCount, 1)}
	frames := zeroFrames()
	var pkts [nic.BurstSize]maestro.Packet
	var v [nic.BurstSize]maestro.Verdict
	var outs [2][nic.BurstSize]int
	var counts [2]int
	var drops int
	for done := 0; done < b.N; done += nic.BurstSize {
		now := time.Now().UnixNano()
		for i, f := range frames {
			pkts[i].Reset(f, maestro.Port(i&1), now)
		}
		proc.ProcessBurst(0, pkts[:], v[:])
		counts = [2]int{}
		for i := range pkts {
			if p, ok := v[i].Port(); ok && p < 2 {
				outs[p][counts[p]] = i
				counts[p]++
			} else {
				drops++
			}
		}
	}
	if counts[0]+counts[1]+drops == 0 {
		b.Fatal("no verdicts")
	}
}
