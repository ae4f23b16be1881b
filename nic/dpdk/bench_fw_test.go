//go:build dpdk

package dpdk

import (
	"context"
	"fmt"
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

// BenchmarkNullFW measures the generated shared-nothing FW on the DPDK
// path (net_null ports, see fedFW) at 1 and 2 workers. One op is one
// packet.
func BenchmarkNullFW(b *testing.B) {
	cfg := traffic.DefaultConfig()
	cfg.Flows, cfg.Packets = 40000, 200000
	tr, err := traffic.Generate(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, cores := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", cores), func(b *testing.B) {
			benchEAL(b)
			par, err := fw.NewParallel(fw.DefaultConfig(), cores)
			if err != nil {
				b.Fatal(err)
			}
			// Pre-split like the NIC: each worker gets the frames RSS
			// sends it, so each core's FW sees its flows' packets.
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
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			proc := &fedFW{
				fw:     par,
				frames: frames,
				pos:    make([]paddedCount, cores),
				count:  &countingNOP{cores: cores, target: uint64(b.N/cores + 1), cancel: cancel, n: make([]paddedCount, cores)},
			}
			b.ResetTimer()
			start := time.Now()
			res, err := Run(ctx, Config{Cores: cores, BusyPoll: true, Logf: b.Logf}, proc, nil)
			elapsed := time.Since(start)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			pkts := float64(res.Stats.Total.RX)
			b.ReportMetric(pkts/elapsed.Seconds()/1e6, "Mpps")
			b.ReportMetric(float64(elapsed.Nanoseconds())/pkts, "ns/pkt")
			b.ReportMetric(proc.count.cpuPerPacket(), "cpu-ns/pkt")
			if res.Stats.Total.TX == 0 {
				b.Error("the FW forwarded nothing")
			}
			if res.Stats.Pool.InUse != 0 {
				b.Errorf("mbufs in use after the run: %+v", res.Stats.Pool)
			}
		})
	}
}
