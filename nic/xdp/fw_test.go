//go:build linux

package xdp

import (
	"context"
	"fmt"
	"testing"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// fwReference runs the sequential FW over the whole input on the software
// backend (what nfrun -seq does) and returns its output per port.
func fwReference(t *testing.T, in *xdptest.Phases) [2][][]byte {
	t.Helper()
	var capture soft.Capture
	_, err := soft.Run(context.Background(), in.All.Reader(), nic.Sequential{NF: fw.New(fw.DefaultConfig())},
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
	in := xdptest.NewPhases(t)
	ref := fwReference(t, in)
	for p := range 2 {
		if len(ref[p]) != in.Want[p] {
			t.Fatalf("the sequential FW sends %d frames out of port %d, the input calls for %d", len(ref[p]), p, in.Want[p])
		}
	}
	for _, c := range []struct {
		cores, queues int
		mode          Mode
	}{{1, 1, Generic}, {2, 1, Generic}, {2, 1, Native}, {2, 2, Native}} {
		cores := c.cores
		t.Run(fmt.Sprintf("cores=%d/queues=%d/%v", cores, c.queues, c.mode), func(t *testing.T) {
			proc, err := fw.NewParallel(fw.DefaultConfig(), cores)
			if err != nil {
				t.Fatal(err)
			}
			net := xdptest.NewQueues(t, 2, c.queues)
			b := start(t, net, Config{Mode: c.mode, RSS: proc.RSS()}, proc)
			if b.info.Mode != c.mode || b.info.Queues[0] != c.queues || b.info.Queues[1] != c.queues {
				t.Fatalf("running in %v mode with %v queues, want %v mode with %d per port", b.info.Mode, b.info.Queues, c.mode, c.queues)
			}
			feed(t, net, b, in.Phases)
			var got [2][][]byte
			for p := range 2 {
				got[p] = net.Capture(p)
			}
			res, err := b.stop()
			if err != nil {
				t.Fatal(err)
			}
			for p := range 2 {
				if d := xdptest.PerFlowDiff(got[p], ref[p], maestro.Port(p), xdptest.LANFlow); d != "" {
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
			for _, f := range in.All.Frames {
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
