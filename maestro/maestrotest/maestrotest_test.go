package maestrotest_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/dbridge"
	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// tally counts packets per IP protocol and forwards a protocol's odd
// packets to port 1, its even ones to port 0: its output depends on the
// exact order in which the packets, whatever their flow, reach its one
// state.
type tally struct{ counts *maestro.Map[uint32, uint32] }

func newTally() *tally { return &tally{counts: maestro.NewMap[uint32, uint32](4096)} }

func (t *tally) Process(p *maestro.Packet) maestro.Verdict {
	n, _ := t.counts.Get(uint32(p.Proto))
	t.counts.Put(uint32(p.Proto), n+1)
	return maestro.Forward(maestro.Port((n + 1) % 2))
}

// lockedNF is a hand-made lock-based parallel NF: every packet runs as a
// write pass under one mutex, reported through a LockGroup as maestrogen's
// lock NFs report theirs, on nfs[core] (one NF shared by every core, or,
// for a planted bug, one per core).
type lockedNF struct {
	mu    sync.Mutex
	group *maestro.LockGroup
	nfs   []maestro.NF
	cfgs  []rss.Config
}

// newLockedNF returns a lockedNF for cores, which runs every core's
// packets on the NF newNF(core) returns.
func newLockedNF(t *testing.T, cores int, newNF func(core int) maestro.NF) *lockedNF {
	t.Helper()
	par, err := dbridge.NewParallel(dbridge.DefaultConfig(), cores) // borrowed: a spreading RSS configuration
	if err != nil {
		t.Fatal(err)
	}
	x := &lockedNF{group: maestro.NewLockGroup(cores), cfgs: par.RSS()}
	for c := range cores {
		x.nfs = append(x.nfs, newNF(c))
	}
	return x
}

func (x *lockedNF) Cores() int                    { return len(x.nfs) }
func (x *lockedNF) RSS() []rss.Config             { return x.cfgs }
func (x *lockedNF) LockGroup() *maestro.LockGroup { return x.group }

func (x *lockedNF) ProcessBurst(core int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	for i := range pkts {
		x.mu.Lock()
		x.group.StartWrite(core, &pkts[i])
		verdicts[i] = x.nfs[core].Process(&pkts[i])
		x.mu.Unlock()
	}
}

// newLockedTally is a lock-based parallel tally. With perCore set it has a
// planted bug: each core counts in a state of its own, as if the lock
// guarded nothing shared. The invariants (a verdict per packet, valid
// ports, no panic) hold either way; only the comparison with the recorded
// serialisation can tell.
func newLockedTally(t *testing.T, cores int, perCore bool) *lockedNF {
	shared := newTally()
	return newLockedNF(t, cores, func(int) maestro.NF {
		if perCore {
			return newTally()
		}
		return shared
	})
}

func tallyTrace(t *testing.T) *soft.Trace {
	t.Helper()
	tr, err := traffic.Generate(traffic.Config{Ports: 2, Flows: 64, Packets: 4000, Dist: traffic.Uniform, Bidir: 0.5,
		Sizes: []int{64}, Seed: 5, Rate: 1e6, Start: 1_000_000_000, Proto: traffic.Mix})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestSerialisationCatchesSharedStateBug: run concurrently, a lock-based
// NF is compared with the sequential NF replaying the order its locks
// imposed. The correct hand-made lock NF matches exactly; the one whose
// cores do not share their state passes every invariant but is caught.
func TestSerialisationCatchesSharedStateBug(t *testing.T) {
	tr := tallyTrace(t)
	for _, perCore := range []bool{false, true} {
		par := newLockedTally(t, 4, perCore)
		rep, err := maestrotest.Run(newTally(), par, tr, maestrotest.Options{Mode: maestrotest.Concurrent})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Serialized || rep.WritePasses != len(tr.Frames) || len(rep.Violations) != 0 {
			t.Fatalf("perCore %v: serialised %v, %d write passes for %d packets, violations %v", perCore, rep.Serialized, rep.WritePasses, len(tr.Frames), rep.Violations)
		}
		if caught := rep.Mismatches > 0; caught != perCore {
			t.Errorf("perCore %v: %d mismatches; %v", perCore, rep.Mismatches, rep.Err())
		}
		if perCore && rep.Mismatches > 0 && !strings.Contains(rep.Err().Error(), "recorded serialisation") {
			t.Errorf("the report does not say what it compared with: %v", rep.Err())
		}
	}
}

// TestGeneratedLockNFsMatchSerialisation: maestrogen's lock-based NFs run
// truly concurrently equal the sequential NF on their recorded
// serialisation, packet for packet, on every standard trace.
func TestGeneratedLockNFsMatchSerialisation(t *testing.T) {
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 4000})
	if err != nil {
		t.Fatal(err)
	}
	cfg := dbridge.Config{Capacity: 4096, Timeout: 2 * time.Millisecond}
	for _, tr := range traces {
		par, err := dbridge.NewParallel(cfg, 4)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := maestrotest.Run(dbridge.New(cfg), par, tr.Trace, maestrotest.Options{Mode: maestrotest.Concurrent})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Serialized || rep.WritePasses == 0 {
			t.Fatalf("%s: not compared with a serialisation (serialised %v, %d write passes)", tr.Name, rep.Serialized, rep.WritePasses)
		}
		if err := rep.Err(); err != nil {
			t.Errorf("%s: %v", tr.Name, err)
		}
	}
}

// TestCapacityMismatchesExplained: a shared-nothing FW whose flow table is
// split across 16 cores refuses flows that the sequential FW (whose table
// never fills) keeps, and the report must say the mismatches come from
// capacity; with full capacity per core the same run matches.
func TestCapacityMismatchesExplained(t *testing.T) {
	tr, err := traffic.Generate(traffic.Config{Ports: 2, Flows: 900, Packets: 8000, Dist: traffic.Uniform, Bidir: 0.5,
		Sizes: []int{64}, Seed: 9, Rate: 1e6, Start: 1_000_000_000, Proto: traffic.Mix})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fw.Config{Capacity: 1024, Timeout: time.Second}
	split, err := fw.NewParallel(cfg, 16)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := maestrotest.Run(fw.New(cfg), split, tr, maestrotest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches == 0 || rep.SeqRefusals != 0 || rep.ParRefusals == 0 {
		t.Fatalf("split capacity: %d mismatches, %d sequential and %d parallel refusals; want mismatches from parallel refusals only",
			rep.Mismatches, rep.SeqRefusals, rep.ParRefusals)
	}
	t.Logf("split capacity: %v", rep.Err())
	if msg := rep.Err().Error(); !strings.Contains(msg, "comes from capacity") || !strings.Contains(msg, "NewParallelFull") {
		t.Errorf("the report does not blame capacity:\n%s", msg)
	}
	explained := 0
	for _, m := range rep.First {
		if strings.Contains(m.Why, "capacity:") {
			explained++
		}
	}
	if explained == 0 {
		t.Errorf("no mismatch says it comes from capacity: %v", rep.First)
	}
	full, err := fw.NewParallelFull(cfg, 16)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = maestrotest.Run(fw.New(cfg), full, tr, maestrotest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil || rep.ParRefusals != 0 {
		t.Errorf("full capacity per core: %d refusals, %v", rep.ParRefusals, err)
	}
}
