//go:build dpdk

package dpdk

import (
	"context"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
)

// pcapBox is a set of net_pcap ports in a temporary directory: port i
// reads dir/port<i>.pcap and writes dir/out<i>.pcap. net_pcap opens both
// files when the port starts and closes them when it stops, so every run
// reads its input from the beginning (rewritten in between or not) and
// writes its output afresh.
type pcapBox struct {
	dir string
	eal []string
	out []string
}

func newPcapBox(t *testing.T, ports int) *pcapBox {
	b := &pcapBox{dir: t.TempDir()}
	var in []string
	for i := range ports {
		in = append(in, soft.PortFile(b.dir, i))
	}
	vdevs, out := pcapVdevs(b.dir, in)
	b.eal, b.out = append(baseEAL(), vdevs...), out
	return b
}

// run runs proc on the box's ports (starting the EAL on the first run)
// until the input has been idle for a while, checks that every mbuf went
// back to the pool, and returns the result and every port's output frames.
func (b *pcapBox) run(t *testing.T, cfg Config, proc nic.Processor) (Result, [][][]byte) {
	t.Helper()
	cfg.EAL = b.eal
	cfg.Ports = len(b.out)
	cfg.IdleTimeout = 300 * time.Millisecond
	cfg.Logf = t.Logf
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var reports int
	res, err := Run(ctx, cfg, proc, func(Stats) { reports++ })
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the run did not end when the pcap input did")
	}
	if reports == 0 {
		t.Error("no final report")
	}
	// Every mbuf must be back in the pool once the ports are stopped.
	if p := res.Stats.Pool; p.InUse != 0 || p.Avail != p.Size {
		t.Errorf("mbuf leak: %+v", p)
	}
	for _, p := range Pools() {
		if p.InUse != 0 {
			t.Errorf("mbuf leak in a pool: %+v", p)
		}
	}
	var out [][][]byte
	for _, f := range b.out {
		out = append(out, readPcap(t, f))
	}
	t.Logf("mode %v, notes %q, total %+v", res.Mode, res.Notes, res.Stats.Total)
	return res, out
}

// pcapRun runs proc once on net_pcap ports reading in[i] on port i and
// returns the result and every port's output frames.
func pcapRun(t *testing.T, in [][][]byte, cfg Config, proc nic.Processor) (Result, [][][]byte) {
	t.Helper()
	b := newPcapBox(t, len(in))
	writeInputs(t, b.dir, in)
	return b.run(t, cfg, proc)
}

// seqOf identifies a test frame: its input port (from the source MAC) and
// its number in that port's input (from the UDP source port).
func seqOf(f []byte) (port, n int) {
	return int(f[11]), int(binary.BigEndian.Uint16(f[34:])) - 1000
}

// checkFlowOrder fails t unless frames from the same input port and source
// address leave in the order they arrived: one flow always goes to one
// core, and a core keeps order.
func checkFlowOrder(t *testing.T, name string, out [][]byte) {
	t.Helper()
	last := map[[2]int]int{}
	for _, f := range out {
		port, n := seqOf(f)
		flow := [2]int{port, n % 7} // frames() sets the source address from n%7
		if prev, ok := last[flow]; ok && prev >= n {
			t.Errorf("%s: flow %v: frame %d after frame %d", name, flow, n, prev)
			return
		}
		last[flow] = n
	}
}

// The NOP NF of a two-port box on one core: every frame leaves on the other
// port, unchanged and in order.
func TestPcapForward(t *testing.T) {
	inChild(t, func(t *testing.T) {
		in := [][][]byte{frames(0, 300), frames(1, 200)}
		res, out := pcapRun(t, in, Config{Cores: 1}, fwdProc{1, swap})
		if res.Mode != ModeSingle {
			t.Errorf("mode %v, want single", res.Mode)
		}
		for p := range 2 {
			if !slices.EqualFunc(out[p], in[1-p], slices.Equal) {
				t.Errorf("port %d sent %d frames, want the %d frames of port %d in order (%s)",
					p, len(out[p]), len(in[1-p]), 1-p, sameMultiset(out[p], in[1-p]))
			}
			ps := res.Stats.Ports[p]
			if ps.RX != uint64(len(in[p])) || ps.TX != uint64(len(in[1-p])) || ps.Dropped != 0 || ps.TXFailed != 0 {
				t.Errorf("port %d stats %+v", p, ps)
			}
			if ps.Device.IPackets != ps.RX || ps.Device.OPackets != ps.TX {
				t.Errorf("port %d device stats %+v disagree with %+v", p, ps.Device, ps.Stats)
			}
		}
	})
}

// net_pcap has one RX queue per port, so two cores fall back to software
// dispatch: Config.Dispatch decides the core of every frame, and the
// fallback is announced.
func TestPcapForwardSoftwareDispatch(t *testing.T) {
	inChild(t, func(t *testing.T) {
		in := [][][]byte{frames(0, 500), frames(1, 400)}
		dispatch := func(p *maestro.Packet) int { return int(p.SrcIP % 7 % 2) }
		var want [2][2]uint64 // [port][core]
		for port := range in {
			for _, f := range in[port] {
				var p maestro.Packet
				p.Reset(f, maestro.Port(port), 0)
				want[port][dispatch(&p)]++
			}
		}
		res, out := pcapRun(t, in, Config{Cores: 2, Dispatch: dispatch}, fwdProc{2, swap})
		if res.Mode != ModeSoftware {
			t.Errorf("mode %v, want software", res.Mode)
		}
		if !hasNote(res, "software dispatch") {
			t.Errorf("notes %q do not announce software dispatch", res.Notes)
		}
		for p := range 2 {
			if d := sameMultiset(out[p], in[1-p]); d != "" {
				t.Errorf("port %d: %s", p, d)
			}
			checkFlowOrder(t, "port "+string(rune('0'+p)), out[p])
			for c := range 2 {
				if got := res.Stats.Ports[p].Queues[c].RX; got != want[p][c] {
					t.Errorf("port %d core %d received %d, dispatch says %d", p, c, got, want[p][c])
				}
			}
		}
	})
}

// A drop-all NF sends nothing and counts every frame as dropped.
func TestPcapDropAll(t *testing.T) {
	inChild(t, func(t *testing.T) {
		in := [][][]byte{frames(0, 250), frames(1, 150)}
		drop := func(*maestro.Packet) maestro.Verdict { return maestro.Drop }
		res, out := pcapRun(t, in, Config{Cores: 1}, fwdProc{1, drop})
		for p := range 2 {
			if len(out[p]) != 0 {
				t.Errorf("port %d sent %d frames", p, len(out[p]))
			}
			ps := res.Stats.Ports[p]
			if ps.RX != uint64(len(in[p])) || ps.Dropped != ps.RX || ps.TX != 0 {
				t.Errorf("port %d stats %+v", p, ps.Stats)
			}
		}
	})
}

// Flooding on three ports sends each frame to the two other ports: the
// same mbuf with one reference per destination. Two cores share each
// port's single TX queue, which exercises the TX lock, and the pool check
// in pcapRun catches a wrong reference count.
func TestPcapFlood(t *testing.T) {
	inChild(t, func(t *testing.T) {
		in := [][][]byte{frames(0, 200), frames(1, 300), frames(2, 100)}
		flood := func(*maestro.Packet) maestro.Verdict { return maestro.Flood }
		dispatch := func(p *maestro.Packet) int { return int(p.SrcIP % 7) }
		res, out := pcapRun(t, in, Config{Cores: 2, Dispatch: dispatch}, fwdProc{2, flood})
		for p := range 3 {
			var want [][]byte
			for q := range 3 {
				if q != p {
					want = append(want, in[q]...)
				}
			}
			if d := sameMultiset(out[p], want); d != "" {
				t.Errorf("port %d: %s", p, d)
			}
			checkFlowOrder(t, "port "+string(rune('0'+p)), out[p])
			ps := res.Stats.Ports[p]
			if ps.RX != uint64(len(in[p])) || ps.TX != uint64(len(want)) || ps.Dropped != 0 {
				t.Errorf("port %d stats %+v", p, ps.Stats)
			}
		}
	})
}

// net_pcap stamps every packet with its pcap record's time, so the NF sees
// the trace's times, exactly, whichever core processes it; with
// Config.WallClock it sees the time of the run instead.
func TestPcapTimestamps(t *testing.T) {
	inChild(t, func(t *testing.T) {
		in := [][][]byte{frames(0, 150), frames(1, 100)}
		// times[port][n] is what the NF saw as the time of frame n of port;
		// the dispatch keeps each port on one core, so each slice has one
		// writer.
		var times [2][]int64
		record := func(p *maestro.Packet) maestro.Verdict {
			port, n := seqOf(p.Data)
			for len(times[port]) <= n {
				times[port] = append(times[port], 0)
			}
			times[port][n] = p.Time
			return swap(p)
		}
		dispatch := func(p *maestro.Packet) int { return int(p.InPort) }
		box := newPcapBox(t, len(in))
		writeInputs(t, box.dir, in)
		res, _ := box.run(t, Config{Cores: 2, Dispatch: dispatch}, fwdProc{2, record})
		if !res.Timestamps || !hasNote(res, "packet time: the ports' RX timestamps") {
			t.Errorf("timestamps %v, notes %q: want the pcap times, announced", res.Timestamps, res.Notes)
		}
		for port := range in {
			if len(times[port]) != len(in[port]) {
				t.Fatalf("port %d: the NF saw %d frames of %d", port, len(times[port]), len(in[port]))
			}
			for n, got := range times[port] {
				if want := inputStart + int64(n)*inputGap; got != want {
					t.Fatalf("port %d frame %d: time %d, want the pcap's %d", port, n, got, want)
				}
			}
		}

		times = [2][]int64{}
		before := time.Now().UnixNano()
		res, _ = box.run(t, Config{Cores: 1, WallClock: true}, fwdProc{1, record})
		after := time.Now().UnixNano()
		if res.Timestamps || !hasNote(res, "the wall clock at each burst (requested by Config.WallClock)") {
			t.Errorf("timestamps %v, notes %q: want the wall clock, announced", res.Timestamps, res.Notes)
		}
		for port := range in {
			if len(times[port]) != len(in[port]) {
				t.Fatalf("second run, port %d: the NF saw %d frames of %d", port, len(times[port]), len(in[port]))
			}
			for n, got := range times[port] {
				if got < before || got > after {
					t.Fatalf("port %d frame %d: time %d outside the run [%d, %d]", port, n, got, before, after)
				}
			}
		}
	})
}

// Flooding half the frames and dropping the others on one core with the
// wall clock: the worker receives each port's bursts undescribed, with
// the input port kept once per burst (mx_rxbuf.tag), and mx_apply sorts
// the mixed verdicts by it: a flooded frame goes to every port but its
// own, a dropped one is counted on its own port.
func TestPcapFloodAndDropOneCore(t *testing.T) {
	inChild(t, func(t *testing.T) {
		in := [][][]byte{frames(0, 200), frames(1, 300), frames(2, 100)}
		mixed := func(p *maestro.Packet) maestro.Verdict {
			if _, n := seqOf(p.Data); n%2 == 0 {
				return maestro.Flood
			}
			return maestro.Drop
		}
		res, out := pcapRun(t, in, Config{Cores: 1, WallClock: true}, fwdProc{1, mixed})
		for p := range 3 {
			var want [][]byte
			for q := range 3 {
				if q != p {
					for n, f := range in[q] {
						if n%2 == 0 {
							want = append(want, f)
						}
					}
				}
			}
			if d := sameMultiset(out[p], want); d != "" {
				t.Errorf("port %d: %s", p, d)
			}
			ps := res.Stats.Ports[p]
			if ps.RX != uint64(len(in[p])) || ps.TX != uint64(len(want)) || ps.Dropped != uint64(len(in[p])/2) {
				t.Errorf("port %d stats %+v", p, ps.Stats)
			}
		}
	})
}
