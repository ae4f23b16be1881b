//go:build linux

package xdptest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// LAN and WAN are the ports of Phases' input: flows open on the LAN, the
// WAN answers.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// LANFlow returns the flow of a frame as seen from the LAN: frames from
// the WAN port are reversed.
func LANFlow(data []byte, port maestro.Port) maestro.FlowID {
	var p maestro.Packet
	p.Reset(data, port, 0)
	id := p.Flow()
	if port == WAN {
		id = id.Reverse()
	}
	return id
}

// Phases is a firewall's input in phases, and the same frames as one trace.
//
// The kernel delivers two veth ports' frames to a backend in an order that
// need not follow a trace's timestamps, so the input is cut in phases in
// which no WAN frame depends on a LAN frame of the same phase (as the DPDK
// backend's pcap test does): A flows are opened in phase 1 and answered in
// phase 2, B flows opened in phase 2 and answered in phase 3, C flows only
// "answered" (unsolicited: their LAN side is never sent), and every A reply
// also comes spoofed, from another source port, in phase 2. A test sends a
// phase once the NF has processed the previous one.
type Phases struct {
	Phases [3][]soft.Frame
	// All is every frame in phase order, 1 µs apart: replies follow their
	// requests closely.
	All *soft.Trace
	// Want is the number of frames a stateful firewall sends out of each
	// port: every LAN frame, every genuine reply.
	Want [2]int
}

// NewPhases builds the input from a generated trace of answered flows.
func NewPhases(t testing.TB) *Phases {
	t.Helper()
	tr, err := traffic.Generate(traffic.Config{
		Ports: 2, Flows: 300, Packets: 4000, Dist: traffic.Zipf, ZipfS: 0.8, Bidir: 1,
		Sizes: []int{64, 594, 1514}, Seed: 42, Rate: 1e6, Start: 1e9, Proto: traffic.Mix,
	})
	if err != nil {
		t.Fatal(err)
	}
	class := map[maestro.FlowID]int{}
	in := &Phases{All: &soft.Trace{NumPorts: 2}}
	for _, f := range tr.Frames {
		id := LANFlow(f.Data, f.Port)
		c, ok := class[id]
		if !ok {
			c = len(class) % 3
			class[id] = c
		}
		switch {
		case c == 2 && f.Port == LAN: // C flows are never opened
		case c == 0 && f.Port == LAN:
			in.Phases[0] = append(in.Phases[0], f)
			in.Want[WAN]++
		case c == 1 && f.Port == LAN:
			in.Phases[1] = append(in.Phases[1], f)
			in.Want[WAN]++
		case c == 0 && f.Port == WAN:
			in.Phases[1] = append(in.Phases[1], f)
			in.Want[LAN]++
			// The same reply from a spoofed source port: not admitted.
			var p maestro.Packet
			p.Reset(slices.Clone(f.Data), f.Port, 0)
			if p.HasPorts() {
				p.SetSrcPort(p.SrcPort ^ 0x5a5a)
				in.Phases[1] = append(in.Phases[1], soft.Frame{Port: f.Port, Data: p.Data})
			}
		case c == 2 && f.Port == WAN:
			in.Phases[1] = append(in.Phases[1], f)
		default: // B replies
			in.Phases[2] = append(in.Phases[2], f)
			in.Want[LAN]++
		}
	}
	now := int64(1e9)
	for _, ph := range in.Phases {
		for _, f := range ph {
			in.All.Add(f.Port, now, f.Data, 0)
			now += 1000
		}
	}
	if len(in.Phases[0])*len(in.Phases[1])*len(in.Phases[2]) == 0 || len(class) < 30 {
		t.Fatalf("degenerate input: phases of %d, %d, %d frames, %d flows", len(in.Phases[0]), len(in.Phases[1]), len(in.Phases[2]), len(class))
	}
	return in
}

// PerFlowDiff compares, flow by flow, the frames got and want carry out of
// port, and describes the first difference ("" if none). flow gives a
// frame's flow; output frames arrived on the other port.
func PerFlowDiff(got, want [][]byte, port maestro.Port, flow func([]byte, maestro.Port) maestro.FlowID) string {
	in := 1 - port
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
