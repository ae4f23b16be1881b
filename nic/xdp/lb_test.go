//go:build linux

package xdp

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/lb"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// lbFlow returns a frame's 5-tuple.
func lbFlow(data []byte, port maestro.Port) maestro.FlowID {
	var p maestro.Packet
	p.Reset(data, port, 0)
	return p.Flow()
}

// TestLBVeth runs the lock-based parallel load balancer (maestrogen's
// strategy for it: choosing a backend reads state every core writes) on
// two veth pairs at 2 cores: backends announce themselves on the LAN port
// in a first phase, client flows arrive on the WAN port in a second. Each
// flow must reach, in order, the backend the sequential balancer on the
// software backend sends it to.
func TestLBVeth(t *testing.T) {
	cfg := lb.DefaultConfig()
	cfg.BackendTimeout = time.Minute // the backend runs on the wall clock
	r := newRand()
	var phases [3][]soft.Frame
	for i := range 12 { // heartbeats
		f := buildFrame(kindUDP, 0x0a010000+uint32(i), 0x0a0000fe, 7000, 7000, r)
		copy(f[6:12], []byte{0x02, 0xbe, 0, 0, 0, byte(i)})
		phases[0] = append(phases[0], soft.Frame{Port: lb.LAN, Data: f})
	}
	type tuple struct {
		src, dst uint32
		sp, dp   uint16
		k        frameKind
	}
	flows := make([]tuple, 150)
	for i := range flows {
		k := kindTCP
		if i%3 == 0 {
			k = kindUDP
		}
		flows[i] = tuple{r.Uint32(), 0xc0000201, uint16(1024 + r.IntN(60000)), 80, k}
	}
	for i := range 3000 {
		fl := flows[r.IntN(len(flows))]
		f := buildFrame(fl.k, fl.src, fl.dst, fl.sp, fl.dp, r)
		binary.BigEndian.PutUint16(f[len(f)-2:], uint16(i)) // distinct frames
		phases[1] = append(phases[1], soft.Frame{Port: lb.WAN, Data: f})
	}
	all := &soft.Trace{NumPorts: 2}
	now := int64(1e9)
	for _, ph := range phases {
		for _, f := range ph {
			all.Add(f.Port, now, f.Data, 0)
			now += 1000
		}
	}
	var capture soft.Capture
	if _, err := soft.Run(context.Background(), all.Reader(), nic.Sequential{NF: lb.New(cfg)},
		soft.Config{Ports: 2, Mode: soft.TraceOrder, Sink: &capture}); err != nil {
		t.Fatal(err)
	}
	var ref [][]byte
	for _, f := range capture.Frames {
		if f.Port != lb.LAN {
			t.Fatalf("the sequential LB sent a frame out of port %d", f.Port)
		}
		ref = append(ref, f.Data)
	}
	if len(ref) != len(phases[1]) {
		t.Fatalf("the sequential LB forwarded %d of %d client frames", len(ref), len(phases[1]))
	}
	for _, cores := range []int{2} {
		t.Run(fmt.Sprintf("cores=%d", cores), func(t *testing.T) {
			proc, err := lb.NewParallel(cfg, cores)
			if err != nil {
				t.Fatal(err)
			}
			n := xdptest.New(t, 2)
			b := start(t, n, Config{Mode: Generic, RSS: proc.RSS()}, proc)
			feed(t, n, b, phases)
			got := n.Capture(int(lb.LAN))
			if _, err := b.stop(); err != nil {
				t.Fatal(err)
			}
			// Output frames arrived on the WAN port: compare by their flow.
			if d := xdptest.PerFlowDiff(got, ref, lb.LAN, func(f []byte, _ maestro.Port) maestro.FlowID { return lbFlow(f, lb.WAN) }); d != "" {
				t.Errorf("%d frames out of the LAN port, sequential LB %d: %s", len(got), len(ref), d)
			}
		})
	}
}
