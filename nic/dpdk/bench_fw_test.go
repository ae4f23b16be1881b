//go:build dpdk

package dpdk

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// fedFW runs the generated parallel FW on net_null traffic. net_null
// delivers zero-filled 64-byte mbufs, so each worker first writes a real
// frame into every mbuf of its burst: frames of a 40,000-flow trace that
// the FW's own RSS configuration sends to that worker, as a NIC would. The
// cost per packet is therefore the whole DPDK path, a 64-byte copy, the
// parse and the FW.
type fedFW struct {
	fw     nic.Processor
	frames [][]soft.Frame // per core
	pos    []paddedCount
	count  *countingNOP // counts packets and ends the run
}

func (f *fedFW) Cores() int { return f.fw.Cores() }

func (f *fedFW) ProcessBurst(core int, pkts []maestro.Packet, v []maestro.Verdict) {
	fr := f.frames[core]
	pos := &f.pos[core].n
	for i := range pkts {
		p := &pkts[i]
		src := &fr[*pos%uint64(len(fr))]
		*pos++
		n := copy(p.Data, src.Data)
		p.Reset(p.Data[:n], src.Port, p.Time)
	}
	f.fw.ProcessBurst(core, pkts, v)
	f.count.count(core, len(pkts))
}

// count adds n packets to core's count and ends the run once every core
// has reached the target.
func (c *countingNOP) count(core, n int) {
	pc := &c.n[core]
	before := pc.n
	if before == 0 {
		pc.cpu0, pc.n0 = threadCPU(), uint64(n)
	}
	pc.n += uint64(n)
	if before < c.target && pc.n >= c.target {
		pc.cpu1, pc.n1 = threadCPU(), pc.n
		if c.done.Add(1) == int32(c.cores) {
			c.cancel()
		}
	}
}

// fwFrames returns the frames of a 40,000-flow trace that net_null's
// 64-byte mbufs can hold, split among cores workers as the FW's RSS
// configuration (par.RSS) would split them on a NIC.
func fwFrames(b *testing.B, par *fw.FWParallel, cores int) [][]soft.Frame {
	cfg := traffic.DefaultConfig()
	cfg.Flows, cfg.Packets = 40000, 200000
	tr, err := traffic.Generate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	dispatch, err := soft.RSSDispatcher(par.RSS()...)
	if err != nil {
		b.Fatal(err)
	}
	frames := make([][]soft.Frame, cores)
	var p maestro.Packet
	for _, f := range tr.Frames {
		if len(f.Data) > 64 {
			continue // net_null's mbufs hold 64 bytes
		}
		p.Reset(f.Data, f.Port, f.Time)
		q := dispatch(&p) % cores
		frames[q] = append(frames[q], f)
	}
	for q := range frames {
		if len(frames[q]) == 0 {
			b.Fatalf("RSS sent no frame to worker %d", q)
		}
	}
	return frames
}

// runNullFW runs the generated FW on cores workers over net_null (see
// fedFW) until each worker has processed pkts packets, and returns the
// run's result and elapsed time and the processor.
func runNullFW(b *testing.B, cores int, pkts uint64) (Result, time.Duration, *fedFW) {
	par, err := fw.NewParallel(fw.DefaultConfig(), cores)
	if err != nil {
		b.Fatal(err)
	}
	frames := fwFrames(b, par, cores)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	proc := &fedFW{
		fw:     par,
		frames: frames,
		pos:    make([]paddedCount, cores),
		count:  &countingNOP{cores: cores, target: pkts, cancel: cancel, n: make([]paddedCount, cores)},
	}
	b.ResetTimer()
	start := time.Now()
	res, err := Run(ctx, Config{Cores: cores, BusyPoll: true, Logf: func(string, ...any) {}}, proc, nil)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if ctx.Err() == context.DeadlineExceeded {
		b.Fatal("the FW run did not reach its packet count")
	}
	if res.Stats.Total.TX == 0 {
		b.Error("the FW forwarded nothing")
	}
	if res.Stats.Pool.InUse != 0 {
		b.Errorf("mbufs in use after the run: %+v", res.Stats.Pool)
	}
	return res, elapsed, proc
}

// BenchmarkNullFW measures the generated shared-nothing FW on the DPDK
// path (net_null ports, see fedFW) at 1 and 2 workers. One op is one
// packet.
func BenchmarkNullFW(b *testing.B) {
	for _, cores := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", cores), func(b *testing.B) {
			benchEAL(b)
			res, elapsed, proc := runNullFW(b, cores, uint64(b.N/cores+1))
			pkts := float64(res.Stats.Total.RX)
			b.ReportMetric(pkts/elapsed.Seconds()/1e6, "Mpps")
			b.ReportMetric(float64(elapsed.Nanoseconds())/pkts, "ns/pkt")
			b.ReportMetric(proc.count.cpuPerPacket(), "cpu-ns/pkt")
		})
	}
}

// loopSource hands out frames in a loop until n have been handed out,
// shifting each pass's times past the previous pass's, so that the NF sees
// time advance as in one long trace (a clock that jumps back at each pass
// would make refreshing a flow cheaper than on the DPDK side, whose wall
// clock only advances).
type loopSource struct {
	frames []soft.Frame
	n, i   int
	span   int64
}

func newLoopSource(frames []soft.Frame, n int) *loopSource {
	first, last := frames[0].Time, frames[len(frames)-1].Time
	span := last - first + max((last-first)/int64(len(frames)), 1)
	return &loopSource{frames: frames, n: n, span: span}
}

func (l *loopSource) Ports() int { return 2 }

func (l *loopSource) Next() (soft.Frame, error) {
	if l.i == l.n {
		return soft.Frame{}, io.EOF
	}
	f := l.frames[l.i%len(l.frames)]
	f.Time += int64(l.i/len(l.frames)) * l.span
	l.i++
	return f, nil
}

// softFW runs the same FW (one core) on the software backend in trace
// order, over the frames runNullFW feeds it, looped to pkts packets, and
// returns the CPU time per packet of the thread that ran it.
func softFW(b *testing.B, pkts uint64) float64 {
	par, err := fw.NewParallel(fw.DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	src := newLoopSource(fwFrames(b, par, 1)[0], int(pkts))
	// TraceOrder runs the NF on the calling goroutine; locking it to its
	// thread makes that thread's CPU time the run's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	res, err := soft.Run(context.Background(), src, par, soft.Config{Mode: soft.TraceOrder})
	if err != nil {
		b.Fatal(err)
	}
	if res.Packets != pkts {
		b.Fatalf("the soft run processed %d packets, want %d", res.Packets, pkts)
	}
	return float64(threadCPU()-cpu0) / float64(res.Packets)
}

// BenchmarkFWvsSoft compares the FW on one DPDK worker (net_null, see
// fedFW) with the same FW on the software backend (soft.Run in trace
// order) over the same frames, in alternating pairs: one op is one pair,
// each side processing -dpdk.pairpkts packets. It reports the medians of
// each side's CPU time per packet and of the pairs' ratios (DPDK/soft);
// each pair is logged. The DPDK side also copies each frame into its mbuf
// and parses it twice (see fedFW); BenchmarkNOPvsTestpmd measures the
// DPDK path alone.
func BenchmarkFWvsSoft(b *testing.B) {
	benchEAL(b)
	var d, s, ratio []float64
	for i := range b.N {
		_, _, proc := runNullFW(b, 1, *pairPackets)
		dc := proc.count.cpuPerPacket()
		sc := softFW(b, *pairPackets)
		d, s, ratio = append(d, dc), append(s, sc), append(ratio, dc/sc)
		b.Logf("pair %d: DPDK FW %.2f ns CPU/pkt, soft FW %.2f ns CPU/pkt, ratio %.3f", i, dc, sc, dc/sc)
	}
	b.ReportMetric(median(d), "dpdk-ns/pkt")
	b.ReportMetric(median(s), "soft-ns/pkt")
	b.ReportMetric(median(ratio), "ratio")
}
