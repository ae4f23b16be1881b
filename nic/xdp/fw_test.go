//go:build linux

package xdp

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
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// fwFlow returns the flow of a FW frame as seen from the LAN.
func fwFlow(data []byte, port maestro.Port) maestro.FlowID {
	var p maestro.Packet
	p.Reset(data, port, 0)
	id := p.Flow()
	if port == fw.WAN {
		id = id.Reverse()
	}
	return id
}

// fwInput is the FW's input in phases, and the same frames as one trace.
//
// The kernel delivers the two veth ports' frames to the backend in an
// order that need not follow the trace's timestamps, so the input is cut in
// phases in which no WAN frame depends on a LAN frame of the same phase (as
// the DPDK backend's pcap test does): A flows are opened in phase 1 and
// answered in phase 2, B flows opened in phase 2 and answered in phase 3, C
// flows only "answered" (unsolicited: their LAN side is never sent), and
// every A reply also comes spoofed, from another source port, in phase 2.
// The test waits for the NF to process each phase before sending the next.
type fwInput struct {
	phases [3][]soft.Frame
	all    *soft.Trace
	want   [2]int // frames each output port must carry
}

func newFWInput(t *testing.T) *fwInput {
	t.Helper()
	tr, err := traffic.Generate(traffic.Config{
		Ports: 2, Flows: 300, Packets: 4000, Dist: traffic.Zipf, ZipfS: 0.8, Bidir: 1,
		Sizes: []int{64, 594, 1514}, Seed: 42, Rate: 1e6, Start: 1e9, Proto: traffic.Mix,
	})
	if err != nil {
		t.Fatal(err)
	}
	class := map[maestro.FlowID]int{}
	in := &fwInput{all: &soft.Trace{NumPorts: 2}}
	for _, f := range tr.Frames {
		id := fwFlow(f.Data, f.Port)
		c, ok := class[id]
		if !ok {
			c = len(class) % 3
			class[id] = c
		}
		switch {
		case c == 2 && f.Port == fw.LAN: // C flows are never opened
		case c == 0 && f.Port == fw.LAN:
			in.phases[0] = append(in.phases[0], f)
			in.want[fw.WAN]++
		case c == 1 && f.Port == fw.LAN:
			in.phases[1] = append(in.phases[1], f)
			in.want[fw.WAN]++
		case c == 0 && f.Port == fw.WAN:
			in.phases[1] = append(in.phases[1], f)
			in.want[fw.LAN]++
			// The same reply from a spoofed source port: not admitted.
			var p maestro.Packet
			p.Reset(slices.Clone(f.Data), f.Port, 0)
			if p.HasPorts() {
				p.SetSrcPort(p.SrcPort ^ 0x5a5a)
				in.phases[1] = append(in.phases[1], soft.Frame{Port: f.Port, Data: p.Data})
			}
		case c == 2 && f.Port == fw.WAN:
			in.phases[1] = append(in.phases[1], f)
		default: // B replies
			in.phases[2] = append(in.phases[2], f)
			in.want[fw.LAN]++
		}
	}
	now := int64(1e9)
	for _, ph := range in.phases {
		for _, f := range ph {
			in.all.Add(f.Port, now, f.Data, 0)
			now += 1000 // 1 µs apart: replies follow their requests closely
		}
	}
	if len(in.phases[0])*len(in.phases[1])*len(in.phases[2]) == 0 || len(class) < 30 {
		t.Fatalf("degenerate input: phases of %d, %d, %d frames, %d flows", len(in.phases[0]), len(in.phases[1]), len(in.phases[2]), len(class))
	}
	return in
}

// reference runs the sequential FW over the whole input on the software
// backend (what nfrun -seq does) and returns its output per port.
func (in *fwInput) reference(t *testing.T) [2][][]byte {
	t.Helper()
	var capture soft.Capture
	_, err := soft.Run(context.Background(), in.all.Reader(), nic.Sequential{NF: fw.New(fw.DefaultConfig())},
		soft.Config{Ports: 2, Mode: soft.TraceOrder, Sink: &capture})
	if err != nil {
		t.Fatal(err)
	}
	var out [2][][]byte
	for _, f := range capture.Frames {
		out[f.Port] = append(out[f.Port], f.Data)
	}
	return out
}

// perFlowDiff compares, flow by flow, the frames got and want carry out of
// port, and describes the first difference.
func perFlowDiff(got, want [][]byte, port maestro.Port, flow func([]byte, maestro.Port) maestro.FlowID) string {
	in := 1 - port // output frames arrived on the other port
	split := func(frames [][]byte) map[maestro.FlowID][]string {
		m := map[maestro.FlowID][]string{}
		for _, f := range frames {
			id := flow(f, in)
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

// feed sends the phases through the test network, each once the NF
// processed the previous one, pacing the sender so that no ring overflows.
func feed(t *testing.T, n *xdptest.Net, b *backend, phases [3][]soft.Frame) {
	t.Helper()
	var sent uint64
	for _, ph := range phases {
		for _, f := range ph {
			n.Send(t, int(f.Port), f.Data)
			if sent++; sent%128 == 0 {
				b.waitProcessed(t, sent)
			}
		}
		b.waitProcessed(t, sent)
	}
}

// The must-show test: the FW on two veth pairs, at 1 and 2 cores, forwards
// every LAN packet, admits every reply and no spoofed or unsolicited WAN
// packet: its output on each port is, flow by flow, the sequential FW's on
// the software backend, and each core processed the packets the plan's RSS
// gives it.
func TestFWVeth(t *testing.T) {
	in := newFWInput(t)
	ref := in.reference(t)
	for p := range 2 {
		if len(ref[p]) != in.want[p] {
			t.Fatalf("the sequential FW sends %d frames out of port %d, the input calls for %d", len(ref[p]), p, in.want[p])
		}
	}
	for _, cores := range []int{1, 2} {
		t.Run(fmt.Sprintf("cores=%d", cores), func(t *testing.T) {
			proc, err := fw.NewParallel(fw.DefaultConfig(), cores)
			if err != nil {
				t.Fatal(err)
			}
			net := xdptest.New(t, 2)
			b := start(t, net, Config{Mode: Generic, RSS: proc.RSS()}, proc)
			feed(t, net, b, in.phases)
			var got [2][][]byte
			for p := range 2 {
				got[p] = net.Capture(p)
			}
			res, err := b.stop()
			if err != nil {
				t.Fatal(err)
			}
			for p := range 2 {
				if d := perFlowDiff(got[p], ref[p], maestro.Port(p), fwFlow); d != "" {
					t.Errorf("port %d: %d frames out, sequential FW %d: %s", p, len(got[p]), len(ref[p]), d)
				}
			}
			// Each core saw exactly the frames the plan's RSS sends it.
			disp, err := soft.RSSDispatcher(proc.RSS()...)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]uint64, cores)
			var pkt maestro.Packet
			for _, f := range in.all.Frames {
				pkt.Reset(f.Data, f.Port, 0)
				want[disp(&pkt)%cores]++
			}
			for c := range cores {
				if res.Cores[c].RX != want[c] {
					t.Errorf("core %d processed %d packets, the RSS plan gives it %d", c, res.Cores[c].RX, want[c])
				}
			}
			if tot := res.Total(); tot.Missed != 0 || res.BadPort != 0 {
				t.Errorf("totals %+v, bad port %d: nothing may be lost", tot, res.BadPort)
			}
		})
	}
}
