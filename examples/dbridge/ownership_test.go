//go:build !maestrogen

package dbridge

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/examples/fwbasic"
	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// shardedBridge is a deliberately WRONG plan: the learning bridge run
// shared-nothing, one DBridge per core, spread by a 5-tuple RSS key (the
// paper FW's, examples/fwbasic). Its state is keyed by MAC addresses,
// which RSS cannot hash, so a host's frames reach several cores and each
// core learns only part of the network. It is what an analysis that took MACs for hashable fields
// would generate, written by hand.
type shardedBridge struct {
	nfs []*DBridge
	rss []rss.Config
	own *maestro.Ownership
}

func newShardedBridge(cfg Config, cores int) (*shardedBridge, error) {
	f, err := fwbasic.NewParallel(fwbasic.DefaultConfig(), cores)
	if err != nil {
		return nil, err
	}
	s := &shardedBridge{rss: f.RSS(), own: maestro.NewOwnership("DBridge")}
	for c := range cores {
		nf := maestro.BuildPerCore(cores, func() *DBridge { return New(cfg) })
		maestro.Own(nf.macs, s.own, c, "macs")
		s.nfs = append(s.nfs, nf)
	}
	return s, nil
}

func (s *shardedBridge) Cores() int                    { return len(s.nfs) }
func (s *shardedBridge) RSS() []rss.Config             { return rss.CopyConfigs(s.rss) }
func (s *shardedBridge) Ownership() *maestro.Ownership { return s.own }

func (s *shardedBridge) ProcessBurst(core int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	for i := range pkts {
		verdicts[i] = s.nfs[core].Process(&pkts[i])
	}
}

// smallPoolTrace returns n frames between 8 LAN and 8 WAN hosts, each a
// request on a random flow between a random pair followed by its reply, a
// microsecond apart. Every host talks to many peers over many flows, so a
// 5-tuple RSS key spreads each host's frames over the cores.
func smallPoolTrace(n int) *soft.Trace {
	rng := rand.New(rand.NewPCG(5, 5))
	mac := func(ip uint32) maestro.MAC {
		return maestro.MAC{0x02, 0x00, byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}
	}
	tr := &soft.Trace{NumPorts: 2}
	for i := range n / 2 {
		lan, wan := 0x0a000001+rng.Uint32N(8), 0xc0a80001+rng.Uint32N(8)
		sport, dport := uint16(1024+rng.Uint32N(60000)), uint16(1+rng.Uint32N(1023))
		req := maestro.Frame{EthSrc: mac(lan), EthDst: mac(wan), SrcIP: lan, DstIP: wan, Proto: maestro.ProtoUDP, SrcPort: sport, DstPort: dport}
		rep := maestro.Frame{EthSrc: mac(wan), EthDst: mac(lan), SrcIP: wan, DstIP: lan, Proto: maestro.ProtoUDP, SrcPort: dport, DstPort: sport}
		t := int64(1_000_000_000 + i*1000)
		tr.Frames = append(tr.Frames,
			soft.Frame{Port: LAN, Time: t, Data: maestro.AppendFrame(nil, req)},
			soft.Frame{Port: WAN, Time: t + 1, Data: maestro.AppendFrame(nil, rep)})
	}
	return tr
}

// TestOwnershipCatchesWrongPlan: sharding the MAC-keyed bridge is caught
// by the differential harness (frames flooded that the sequential bridge
// forwards) and, with -tags maestrocheck, by the ownership check, which
// names the MACs that two cores touched.
func TestOwnershipCatchesWrongPlan(t *testing.T) {
	par, err := newShardedBridge(DefaultConfig(), 4)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := maestrotest.Run(New(DefaultConfig()), par, smallPoolTrace(2000), maestrotest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches == 0 {
		t.Error("the differential harness missed a sharded MAC table")
	}
	if idle := slices.Index(rep.PerCore, 0); idle >= 0 {
		t.Fatalf("core %d got no frame (%v): the trace does not exercise sharding", idle, rep.PerCore)
	}
	own := par.Ownership()
	if !maestro.OwnershipCheck {
		return
	}
	if own.Count() == 0 {
		t.Fatal("the ownership check missed a sharded MAC table")
	}
	for _, v := range own.Violations() {
		if v.NF != "DBridge" || v.Field != "macs" || !strings.HasPrefix(v.Key, "02:00:") || v.Owner == v.Core || !strings.HasPrefix(v.Site, "dbridge/dbridge.go:") {
			t.Errorf("unexpected violation %v", v)
		}
	}
	t.Logf("%d of %d frames differ; %v", rep.Mismatches, rep.Packets, own.Err())
}

// TestLockedHasNoOwnershipCheck: the generated bridge is lock-based, one
// shared state: there is nothing to own, so it offers no check.
func TestLockedHasNoOwnershipCheck(t *testing.T) {
	par, err := NewParallel(testConfig, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := any(par).(interface{ Ownership() *maestro.Ownership }); ok {
		t.Error("the lock-based bridge has an Ownership method")
	}
}

// BenchmarkCheckCost measures the parallel bridge per packet on a churning,
// half-answered trace, four cores' work on one goroutine. Run it with and
// without -tags maestrocheck: the bridge is lock-based, one shared state
// with nothing to check, so the two should not differ.
func BenchmarkCheckCost(b *testing.B) {
	tr, err := traffic.Generate(traffic.Config{Ports: 2, Flows: 4000, Packets: 80000, Dist: traffic.Uniform,
		Bidir: 0.5, Churn: 1e6, Sizes: []int{64}, Seed: 9, Rate: 1e7, Start: 1_000_000_000, Proto: traffic.UDP})
	if err != nil {
		b.Fatal(err)
	}
	benchtrace.RunParallel(b, tr, func() (benchtrace.Parallel, error) { return NewParallel(DefaultConfig(), 4) })
}
