//go:build linux

package xdp

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// benchFrames returns the FW benchmark traffic: up to txFrames frames per
// port of a generated trace of answered flows, 64-byte frames.
func benchFrames(b *testing.B) [2][][]byte {
	tr, err := traffic.Generate(traffic.Config{
		Ports: 2, Flows: 1000, Packets: 4 * txFrames, Dist: traffic.Uniform, Bidir: 1,
		Sizes: []int{64}, Seed: 7, Rate: 1e6, Start: 1e9, Proto: traffic.UDP,
	})
	if err != nil {
		b.Fatal(err)
	}
	var out [2][][]byte
	for _, f := range tr.Frames {
		if len(out[f.Port]) < txFrames {
			out[f.Port] = append(out[f.Port], f.Data)
		}
	}
	return out
}

// blaster transmits frames from the peer ends as fast as it can, through an
// AF_XDP socket per peer (copy mode: up to a budget of frames per sendto),
// cycling through the frames written once into the sockets' UMEM.
type blaster struct {
	socks []*socket
	n     []int
	stop  atomic.Bool
	done  chan struct{}
}

func newBlaster(b *testing.B, n *xdptest.Net, frames [2][][]byte) *blaster {
	bl := &blaster{done: make(chan struct{})}
	err := xdptest.InNetns(n.Peer, func() error {
		for p, name := range n.PeerIf {
			ifi, err := net.InterfaceByName(name)
			if err != nil {
				return err
			}
			s, err := openSocket(ifi.Index, p, 0, false)
			if err != nil {
				return err
			}
			bl.socks = append(bl.socks, s)
			for i, f := range frames[p] {
				copy(s.umem[(rxFrames+i)*frameSize:], f)
			}
			bl.n = append(bl.n, len(frames[p]))
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for _, s := range bl.socks {
			s.close()
		}
	})
	return bl
}

// blastWindow is how many frames the blaster keeps in flight (sent, not
// yet processed by the NF): few enough that no ring or backlog between
// them overflows, so the benchmark measures the rate the NF keeps up with
// rather than the cost of frames the kernel drops.
const blastWindow = 1024

// run sends until stopped, keeping at most blastWindow frames ahead of
// processed (the NF's count).
func (bl *blaster) run(frames [2][][]byte, processed *atomic.Uint64) {
	defer close(bl.done)
	next := make([]int, len(bl.socks))
	var sent uint64
	var stalled time.Time
	for !bl.stop.Load() {
		done := processed.Load()
		ahead := sent - min(done, sent)
		if ahead >= blastWindow {
			// Frames the kernel dropped never get processed: after 20 ms
			// without room, count them as gone. (processed is the
			// backend's progress count, updated every 500 µs.)
			if stalled.IsZero() {
				stalled = time.Now()
			} else if time.Since(stalled) > 20*time.Millisecond {
				sent, stalled = done, time.Time{}
			}
			runtime.Gosched()
			continue
		}
		stalled = time.Time{}
		for p, s := range bl.socks {
			// Completed frames free their ring entries; the data stays.
			s.comp.release(s.comp.available())
			k := min(s.tx.free(), 64)
			sent += uint64(k)
			for i := range k {
				slot := next[p] % bl.n[p]
				next[p]++
				*s.tx.xdesc(s.tx.cached + i) = unix.XDPDesc{Addr: uint64(rxFrames+slot) * frameSize, Len: uint32(len(frames[p][slot]))}
			}
			s.tx.submit(k)
			s.kick()
		}
	}
}

// cpuTime returns the CPU time the process has used, user and system,
// including the kernel's packet processing run in its threads' context.
func cpuTime(b *testing.B) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkVethFW measures the FW on the XDP backend, generic mode, on two
// veth pairs, fed by AF_XDP senders on the peer ends: ns/op is wall time
// per packet the NF processed, Mpps its rate; loss is the share of frames
// the backend saw but could not process (full rings); cpu-ns/pkt is the
// process's CPU time per processed packet: the workers, the sender, and the
// kernel's veth, XDP and AF_XDP work done in their context. On a shared
// machine the wall-clock figures mostly measure the other tenants; the CPU
// time is the comparable one.
func BenchmarkVethFW(b *testing.B) {
	frames := benchFrames(b)
	for _, cores := range []int{1, 2} {
		for _, mode := range []Mode{Generic, Native} {
			b.Run(fmt.Sprintf("cores=%d/%v", cores, mode), func(b *testing.B) {
				proc, err := fw.NewParallel(fw.DefaultConfig(), cores)
				if err != nil {
					b.Fatal(err)
				}
				n := xdptest.New(b, 2)
				n.StopCapture()
				be := start(b, n, Config{Mode: mode, RSS: proc.RSS()}, proc)
				bl := newBlaster(b, n, frames)
				b.ReportAllocs()
				go bl.run(frames, &be.processed)
				// Warm up: flows open, caches warm.
				be.waitProcessed(b, 10000)
				b.ResetTimer()
				base := be.processed.Load()
				t0, c0 := time.Now(), cpuTime(b)
				deadline := t0.Add(time.Minute)
				for be.processed.Load()-base < uint64(b.N) && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				el, cpu := time.Since(t0), cpuTime(b)-c0
				b.StopTimer()
				got := be.processed.Load() - base
				bl.stop.Store(true)
				<-bl.done
				res, err := be.stop()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(got)/el.Seconds()/1e6, "Mpps")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(got), "cpu-ns/pkt")
				if tot := res.Total(); tot.RX+tot.Missed > 0 {
					b.ReportMetric(100*float64(tot.Missed)/float64(tot.RX+tot.Missed), "loss%")
				}
			})
		}
	}
}

// cycle is a soft.Source replaying frames round robin, n frames in all.
type cycle struct {
	frames [2][][]byte
	i, n   int
}

func (c *cycle) Ports() int { return 2 }
func (c *cycle) Next() (soft.Frame, error) {
	if c.i >= c.n {
		return soft.Frame{}, io.EOF
	}
	p := c.i % 2
	f := c.frames[p][(c.i/2)%len(c.frames[p])]
	c.i++
	return soft.Frame{Port: maestro.Port(p), Time: int64(c.i) * 1000, Data: f}, nil
}

// BenchmarkSoftFW runs the same frames through the software backend
// (concurrent mode, its dispatcher goroutine doing the NIC's RSS), for
// comparison with BenchmarkVethFW; cpu-ns/pkt is the process's CPU time per
// packet, dispatcher included.
func BenchmarkSoftFW(b *testing.B) {
	frames := benchFrames(b)
	for _, cores := range []int{1, 2} {
		b.Run(fmt.Sprintf("cores=%d", cores), func(b *testing.B) {
			proc, err := fw.NewParallel(fw.DefaultConfig(), cores)
			if err != nil {
				b.Fatal(err)
			}
			disp, err := soft.RSSDispatcher(proc.RSS()...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			c0 := cpuTime(b)
			res, err := soft.Run(context.Background(), &cycle{frames: frames, n: b.N}, proc,
				soft.Config{Ports: 2, Mode: soft.Concurrent, Dispatch: disp})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(res.Mpps(), "Mpps")
			b.ReportMetric(float64((cpuTime(b)-c0).Nanoseconds())/float64(res.Packets), "cpu-ns/pkt")
		})
	}
}
