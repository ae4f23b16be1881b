package baseline

import (
	"sync"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/dbridge"
	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/examples/policer"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// genTrace returns a small bidirectional trace with churn, so that flows
// are born, answered and forgotten.
func genTrace(t *testing.T, sizes []int) *soft.Trace {
	t.Helper()
	c := traffic.DefaultConfig()
	c.Flows, c.Packets, c.Churn, c.Sizes = 300, 20000, 2e5, sizes
	tr, err := traffic.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// sameVerdicts replays tr through want and got in trace order, one packet
// at a time, and fails on the first differing verdict.
func sameVerdicts(t *testing.T, tr *soft.Trace, want maestro.NF, got nic.Processor) {
	t.Helper()
	var p, q maestro.Packet
	v := make([]maestro.Verdict, 1)
	for i, f := range tr.Frames {
		a := append([]byte(nil), f.Data...)
		b := append([]byte(nil), f.Data...)
		p.Reset(a, f.Port, f.Time)
		q.Reset(b, f.Port, f.Time)
		w := want.Process(&p)
		got.ProcessBurst(0, []maestro.Packet{q}, v)
		if w != v[0] {
			t.Fatalf("packet %d (port %d): verdict %v, sequential NF says %v", i, f.Port, v[0], w)
		}
	}
}

func TestRewritesMatchSequential(t *testing.T) {
	tr := genTrace(t, []int{64})
	imix := genTrace(t, traffic.IMIX)
	for _, k := range []Kind{KindXSync, KindRWMutex} {
		t.Run(k.String(), func(t *testing.T) {
			fcfg := fw.Config{Timeout: 5 * time.Millisecond}
			sameVerdicts(t, tr, fw.New(fcfg), NewFW(k, fcfg, 1))
			bcfg := dbridge.Config{Timeout: 5 * time.Millisecond}
			sameVerdicts(t, tr, dbridge.New(bcfg), NewDBridge(k, bcfg, 1))
			// A tight policer, so that IMIX bursts get dropped.
			pcfg := policer.Config{Rate: 200_000, Burst: 3000, Timeout: 20 * time.Millisecond}
			sameVerdicts(t, imix, policer.New(pcfg), NewPolicer(k, pcfg, 1))
		})
	}
}

func TestPolicerDrops(t *testing.T) {
	// The comparison above is only meaningful if the policer really drops.
	pl := NewPolicer(KindXSync, policer.Config{Rate: 1000, Burst: 1500}, 1)
	data := maestro.AppendFrame(nil, maestro.Frame{SrcIP: 1, DstIP: 2, Proto: maestro.ProtoUDP, Size: 1000})
	var p maestro.Packet
	var drops int
	for i := range 3 {
		p.Reset(data, policer.WAN, int64(i))
		if pl.Process(&p).IsDrop() {
			drops++
		}
	}
	if drops != 2 {
		t.Errorf("3 back-to-back 1000-byte packets through a 1500-byte bucket: %d drops, want 2", drops)
	}
}

func TestMutexSharesOneNF(t *testing.T) {
	// Two workers hammer one sequential FW: the race detector checks that
	// the mutex really serialises them, and every LAN packet must pass.
	m := NewMutex(fw.New(fw.Config{}), 2)
	if m.Cores() != 2 {
		t.Fatalf("Cores() = %d, want 2", m.Cores())
	}
	var wg sync.WaitGroup
	for core := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pkts := make([]maestro.Packet, 32)
			v := make([]maestro.Verdict, 32)
			for i := range pkts {
				data := maestro.AppendFrame(nil, maestro.Frame{SrcIP: uint32(core<<8 | i), DstIP: 9, Proto: maestro.ProtoUDP, SrcPort: 1, DstPort: 2})
				pkts[i].Reset(data, fw.LAN, 1)
			}
			for range 50 {
				m.ProcessBurst(core, pkts, v)
				for i, x := range v {
					if x != maestro.Forward(fw.WAN) {
						t.Errorf("core %d packet %d: %v", core, i, x)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestParseKind(t *testing.T) {
	for _, k := range []Kind{KindXSync, KindRWMutex} {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind("spinlock"); err == nil {
		t.Error("ParseKind(spinlock) succeeded")
	}
}
