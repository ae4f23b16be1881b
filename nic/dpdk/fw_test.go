//go:build dpdk

package dpdk

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// fwInput is the firewall's test input: the phases fed to DPDK one run
// after the other, the same frames as one trace for the software backend,
// and the frames each output port must carry.
type fwInput struct {
	phases []*soft.Trace
	all    *soft.Trace
	want   [2][][]byte // by output port: fw.LAN gets replies, fw.WAN LAN traffic
}

// fwFlow returns the flow of a FW input frame as seen from the LAN: replies
// (from the WAN port) are reversed.
func fwFlow(data []byte, port maestro.Port) maestro.FlowID {
	var p maestro.Packet
	p.Reset(data, port, 0)
	id := p.Flow()
	if port == fw.WAN {
		id = id.Reverse()
	}
	return id
}

// newFWInput builds the FW's input from a generated trace of answered flows
// (tracegen's generator), split by flow into three classes: A flows are
// opened and answered, B flows too but later, C flows are only "answered"
// (their LAN side never appears), so the FW must drop their WAN packets.
//
// net_pcap reads each port's capture on its own, so the order in which the
// FW sees LAN and WAN packets of one run depends on polling, not on the
// timestamps; a reply read before the LAN packet that opens its flow would
// be dropped on one backend and passed on the other. So the input comes in
// phases, one DPDK run each (the FW's state lives in the processor and
// outlives a run), and within a phase no WAN packet depends on a LAN packet
// of the same phase:
//
//	phase 1: LAN (port 0) packets of A
//	phase 2: LAN packets of B;  WAN (port 1) packets of A and C
//	phase 3:                    WAN packets of B
//
// Each verdict then depends only on earlier phases, whatever the
// interleaving of the ports. The frames keep their generated order within
// each phase and port, and are re-timed 1µs apart in phase order, so time
// never runs backwards from one phase to the next (within a phase it may,
// by a few µs, across ports; the flows' timeout is far longer).
func newFWInput(t *testing.T) *fwInput {
	t.Helper()
	tr, err := traffic.Generate(traffic.Config{
		Ports: 2, Flows: 300, Packets: 6000, Dist: traffic.Zipf, ZipfS: 0.8, Bidir: 1,
		Sizes: []int{64, 594, 1518}, Seed: 42, Rate: 1e6, Start: inputStart, Proto: traffic.Mix,
	})
	if err != nil {
		t.Fatal(err)
	}
	class := map[maestro.FlowID]int{}
	phaseOf := func(f soft.Frame) int {
		id := fwFlow(f.Data, f.Port)
		c, ok := class[id]
		if !ok {
			c = len(class) % 3
			class[id] = c
		}
		switch {
		case c == 2 && f.Port == fw.LAN:
			return -1 // C flows are never opened
		case c == 0 && f.Port == fw.LAN:
			return 0
		case c == 1 && f.Port == fw.LAN, c != 1 && f.Port == fw.WAN:
			return 1
		}
		return 2
	}
	in := &fwInput{all: &soft.Trace{NumPorts: 2}}
	var byPhase [3][]soft.Frame
	for _, f := range tr.Frames {
		if p := phaseOf(f); p >= 0 {
			byPhase[p] = append(byPhase[p], f)
		}
	}
	now := inputStart
	for _, frames := range byPhase {
		ph := &soft.Trace{NumPorts: 2}
		for _, f := range frames {
			ph.Add(f.Port, now, f.Data, 0)
			in.all.Add(f.Port, now, f.Data, 0)
			if class[fwFlow(f.Data, f.Port)] != 2 {
				out := fw.WAN
				if f.Port == fw.WAN {
					out = fw.LAN
				}
				in.want[out] = append(in.want[out], f.Data)
			}
			now += inputGap
		}
		in.phases = append(in.phases, ph)
	}
	// The test is only worth something if every class is there.
	if n := len(byPhase[0]) * len(byPhase[1]) * len(byPhase[2]); n == 0 || len(class) < 30 {
		t.Fatalf("degenerate input: phases of %d, %d, %d frames, %d flows", len(byPhase[0]), len(byPhase[1]), len(byPhase[2]), len(class))
	}
	return in
}

// softRun runs proc over the whole input on the software backend in trace
// order and returns its output per port and its result.
func (in *fwInput) softRun(t *testing.T, proc nic.Processor, dispatch soft.Dispatch) ([2][][]byte, *soft.Result) {
	t.Helper()
	var capture soft.Capture
	res, err := soft.Run(context.Background(), in.all.Reader(), proc, soft.Config{Ports: 2, Mode: soft.TraceOrder, Dispatch: dispatch, Sink: &capture})
	if err != nil {
		t.Fatal(err)
	}
	var out [2][][]byte
	for _, f := range capture.Frames {
		out[f.Port] = append(out[f.Port], f.Data)
	}
	return out, res
}

// dpdkRun feeds the phases to proc through the box's net_pcap ports, one
// run per phase, and returns the output per port (the phases' outputs one
// after the other) and the packets each core received from each port.
func (in *fwInput) dpdkRun(t *testing.T, box *pcapBox, cfg Config, proc nic.Processor) (out [2][][]byte, perCore []uint64) {
	t.Helper()
	perCore = make([]uint64, proc.Cores())
	for i, ph := range in.phases {
		if err := soft.WritePcaps(box.dir, ph, 2, true); err != nil {
			t.Fatal(err)
		}
		res, o := box.run(t, cfg, proc)
		for p := range 2 {
			ps := res.Stats.Ports[p]
			if n := uint64(len(ph.Port(maestro.Port(p)))); ps.RX != n || ps.Missed != 0 || ps.TXFailed != 0 {
				t.Errorf("phase %d port %d: %+v (tx failed %d), want %d received and nothing lost", i+1, p, ps.Stats, ps.TXFailed, n)
			}
			for c, q := range ps.Queues {
				perCore[c] += q.RX
			}
			out[p] = append(out[p], o[p]...)
		}
	}
	return out, perCore
}

// flowOrderDiff compares, flow by flow, the order in which got and want
// carry each flow's frames, and describes the first difference.
func flowOrderDiff(got, want [][]byte, port maestro.Port) string {
	// Output frames are what arrived on the other port.
	in := maestro.Port(1) - port
	split := func(frames [][]byte) map[maestro.FlowID][]string {
		m := map[maestro.FlowID][]string{}
		for _, f := range frames {
			id := fwFlow(f, in)
			m[id] = append(m[id], string(f))
		}
		return m
	}
	g, w := split(got), split(want)
	for id, ws := range w {
		if !slices.Equal(g[id], ws) {
			return fmt.Sprintf("flow %+v: %d frames differ in order or content from the %d expected", id, len(g[id]), len(ws))
		}
	}
	if len(g) != len(w) {
		return fmt.Sprintf("%d flows, want %d", len(g), len(w))
	}
	return ""
}

// The must-show test: the firewall through DPDK (net_pcap ports fed with
// generated traffic) sends, on each port, the same packets as the software
// backend on the same input, in the same per-flow order; the same for the
// generated parallel FW on two cores with its RSS configuration and for the
// sequential FW. After every run, no mbuf is missing from the pool (checked
// by pcapBox.run).
func TestPcapFW(t *testing.T) {
	inChild(t, func(t *testing.T) {
		in := newFWInput(t)
		box := newPcapBox(t, 2)
		cfg := fw.DefaultConfig()

		// compare checks the DPDK output against the software backend's,
		// and the latter against what the FW must do with this input.
		compare := func(t *testing.T, got, ref [2][][]byte) {
			t.Helper()
			for p := range 2 {
				if !slices.EqualFunc(ref[p], in.want[p], slices.Equal) {
					t.Fatalf("software backend, port %d: %d frames, want the %d of the open flows", p, len(ref[p]), len(in.want[p]))
				}
				if d := sameMultiset(got[p], ref[p]); d != "" {
					t.Errorf("port %d: DPDK and software outputs differ: %s", p, d)
				}
				if d := flowOrderDiff(got[p], ref[p], maestro.Port(p)); d != "" {
					t.Errorf("port %d: %s", p, d)
				}
			}
			t.Logf("port 0: %d frames, port 1: %d frames (of %d input frames)", len(got[0]), len(got[1]), in.all.Len())
		}

		t.Run("parallel", func(t *testing.T) {
			const cores = 2
			mk := func() *fw.FWParallel {
				p, err := fw.NewParallel(cfg, cores)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			ref := mk()
			dispatch, err := soft.RSSDispatcher(ref.RSS()...)
			if err != nil {
				t.Fatal(err)
			}
			want, softRes := in.softRun(t, ref, dispatch)

			proc := mk()
			got, perCore := in.dpdkRun(t, box, Config{RSS: RSSFrom(proc.RSS()), Dispatch: dispatch}, proc)
			compare(t, got, want)
			// net_pcap cannot hash, so the generated RSS configuration
			// reaches the cores through software dispatch: each core must
			// have received exactly what the software NIC gave it.
			for c := range cores {
				if perCore[c] != softRes.Cores[c].RX {
					t.Errorf("core %d received %d packets, %d on the software backend", c, perCore[c], softRes.Cores[c].RX)
				}
			}
			if perCore[0] == 0 || perCore[1] == 0 {
				t.Errorf("per-core packets %v: the test does not exercise two cores", perCore)
			}
		})

		t.Run("sequential", func(t *testing.T) {
			want, _ := in.softRun(t, nic.Sequential{NF: fw.New(cfg)}, nil)
			got, _ := in.dpdkRun(t, box, Config{}, nic.Sequential{NF: fw.New(cfg)})
			compare(t, got, want)
		})

		// The control: with a dispatch by source port, a reply (whose
		// source port is its flow's destination port) often reaches a core
		// whose FW never saw its flow. The comparison above must notice, or
		// it proves nothing.
		t.Run("wrong-dispatch-is-noticed", func(t *testing.T) {
			proc, err := fw.NewParallel(cfg, 2)
			if err != nil {
				t.Fatal(err)
			}
			bySrcPort := func(p *maestro.Packet) int { return int(p.SrcPort % 2) }
			got, _ := in.dpdkRun(t, box, Config{Dispatch: bySrcPort}, proc)
			if d := sameMultiset(got[fw.LAN], in.want[fw.LAN]); d == "" {
				t.Error("a dispatch that splits flows from their replies gave the right output")
			} else {
				t.Logf("as expected: %s", d)
			}
		})
	})
}
