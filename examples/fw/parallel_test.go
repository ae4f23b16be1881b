//go:build !maestrogen

package fw

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// testConfig expires flows within the standard traces (20 ms long), so
// expiry and slot reuse are compared too.
var testConfig = Config{Capacity: 8192, Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential runs the shared-nothing and the lock-based
// FW on the standard and hostile traces at every core count, in trace
// order and concurrently.
func TestParallelMatchesSequential(t *testing.T) {
	traces, err := maestrotest.AllTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq := func() maestro.NF { return New(testConfig) }
	maestrotest.CheckMatrix(t, traces,
		maestrotest.Case{Name: "parallel", Seq: seq, SharedNothing: true,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) }},
		maestrotest.Case{Name: "locked", Seq: seq,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewLocked(testConfig, cores) }},
	)
}

// TestUndeclaredPortDefaultRSS: the FW declares ports 0 and 1 but takes
// frames on any port, which the hostile 3-port trace sends on port 2. The
// plan's default port (2) stands for every undeclared port and its
// generated RSS configuration is marked Default; with it the parallel FW
// matches the sequential one exactly, in trace order and concurrently, at
// every core count. Without it (the configuration dropped) the software
// NIC puts port-2 frames on queue 0, and the harness must notice.
func TestUndeclaredPortDefaultRSS(t *testing.T) {
	traces, err := maestrotest.HostileTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var tr *soft.Trace
	for _, x := range traces {
		if x.Name == maestrotest.TraceHostile3Port {
			tr = x.Trace
		}
	}
	if tr == nil || tr.NumPorts != 3 {
		t.Fatal("no 3-port hostile trace")
	}
	for _, cores := range maestrotest.Cores {
		for _, mode := range []maestrotest.Mode{maestrotest.TraceOrder, maestrotest.Concurrent} {
			for _, withDefault := range []bool{false, true} {
				par, err := NewParallel(testConfig, cores)
				if err != nil {
					t.Fatal(err)
				}
				var cfgs []rss.Config
				found := false
				for _, c := range par.RSS() {
					if c.Default {
						found = c.Port == 2
						if !withDefault {
							continue
						}
					}
					cfgs = append(cfgs, c)
				}
				if !found {
					t.Fatalf("the generated RSS configuration has no Default entry for port 2: %+v", par.RSS())
				}
				rep, err := maestrotest.Run(New(testConfig), par, tr, maestrotest.Options{Mode: mode, Exact: true, RSS: cfgs})
				if err != nil {
					t.Fatal(err)
				}
				switch err := rep.Err(); {
				case withDefault && err != nil:
					t.Errorf("%d cores, %v, with the default configuration: %v", cores, mode, err)
				case !withDefault && err == nil:
					t.Errorf("%d cores, %v: port-2 frames on queue 0 went unnoticed", cores, mode)
				case !withDefault:
					for _, m := range rep.First {
						if m.Port != 2 {
							t.Errorf("%d cores, %v: mismatch not on port 2: %v", cores, mode, m)
						}
					}
				}
			}
		}
	}
}

// TestHarnessCatchesAsymmetricKey gives the shared-nothing FW a random,
// hence asymmetric, RSS key: replies then land on cores that never saw
// their flow, and the harness must report the dropped replies.
func TestHarnessCatchesAsymmetricKey(t *testing.T) {
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 4000})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, tr := range traces {
		par, err := NewParallel(testConfig, 4)
		if err != nil {
			t.Fatal(err)
		}
		cfgs := par.RSS()
		for i := range cfgs {
			for j := range cfgs[i].Key {
				cfgs[i].Key[j] = byte(rng.Uint32())
			}
		}
		rep, err := maestrotest.Run(New(testConfig), par, tr.Trace, maestrotest.Options{RSS: cfgs})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Err() == nil || rep.Mismatches == 0 {
			t.Errorf("%s: a random RSS key went unnoticed", tr.Name)
			continue
		}
		for _, m := range rep.First {
			if m.Port != WAN || m.Seq != maestro.Forward(LAN) || m.Par != maestro.Drop {
				t.Errorf("%s: unexpected mismatch %v", tr.Name, m)
			}
		}
		t.Logf("%s: %d of %d packets differ", tr.Name, rep.Mismatches, rep.Packets)
	}
}

// readOnlyBursts returns, per core, bursts of LAN packets of established
// flows that RSS sends to that core, and warms proc with them so that
// processing them again only finds and refreshes (a read-only workload).
func readOnlyBursts(tb testing.TB, proc maestrotest.Parallel) [][][]maestro.Packet {
	tb.Helper()
	tr, err := traffic.Generate(traffic.Config{Ports: 2, Flows: 2048, Packets: 8192, Dist: traffic.Uniform,
		Sizes: []int{64}, Seed: 3, Rate: 1e9, Start: 1_000_000_000, Proto: traffic.UDP})
	if err != nil {
		tb.Fatal(err)
	}
	disp, err := soft.RSSDispatcher(proc.RSS()...)
	if err != nil {
		tb.Fatal(err)
	}
	cores := proc.Cores()
	out := make([][][]maestro.Packet, cores)
	var last int64
	for _, f := range tr.Frames {
		last = f.Time
	}
	for _, f := range tr.Frames {
		var p maestro.Packet
		// Every packet carries the same time, so nothing expires while the
		// benchmark loops over them.
		p.Reset(append([]byte(nil), f.Data...), f.Port, last)
		c := disp(&p) % cores
		n := len(out[c])
		if n == 0 || len(out[c][n-1]) == nic.BurstSize {
			out[c] = append(out[c], make([]maestro.Packet, 0, nic.BurstSize))
			n++
		}
		out[c][n-1] = append(out[c][n-1], p)
	}
	var vs [nic.BurstSize]maestro.Verdict
	for c := range out {
		for _, b := range out[c] {
			proc.ProcessBurst(c, b, vs[:])
		}
	}
	return out
}

func variants() []struct {
	name string
	make func(cores int) (maestrotest.Parallel, error)
} {
	return []struct {
		name string
		make func(cores int) (maestrotest.Parallel, error)
	}{
		{"shared-nothing", func(c int) (maestrotest.Parallel, error) { return NewParallel(DefaultConfig(), c) }},
		{"locks", func(c int) (maestrotest.Parallel, error) { return NewLocked(DefaultConfig(), c) }},
	}
}

// TestZeroAllocs: neither strategy allocates per packet, on the read path
// or when a packet creates a flow (a write pass for the lock-based FW).
func TestZeroAllocs(t *testing.T) {
	for _, v := range variants() {
		proc, err := v.make(2)
		if err != nil {
			t.Fatal(err)
		}
		bursts := readOnlyBursts(t, proc)
		var vs [nic.BurstSize]maestro.Verdict
		if n := testing.AllocsPerRun(100, func() { proc.ProcessBurst(0, bursts[0][0], vs[:]) }); n != 0 {
			t.Errorf("%s: %v allocations per read-only burst", v.name, n)
		}
		if maestro.OwnershipCheck {
			continue // the ownership check (-tags maestrocheck) stores every new key: that allocates
		}
		fresh, err := v.make(2) // every packet now inserts a flow
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		if n := testing.AllocsPerRun(len(bursts[1])-1, func() { fresh.ProcessBurst(1, bursts[1][i], vs[:]); i++ }); n != 0 {
			t.Errorf("%s: %v allocations per inserting burst", v.name, n)
		}
	}
}

// BenchmarkReadOnly measures the per-packet cost of the FW's two
// strategies on established flows, all cores busy: the lock-based FW pays
// its read pass (read lock, header save, core-local refresh) where the
// shared-nothing FW touches only its own state.
func BenchmarkReadOnly(b *testing.B) {
	for _, v := range variants() {
		// One goroutine per core, as the backends run them: RunParallel
		// starts GOMAXPROCS goroutines, so that is the core count.
		for _, cores := range []int{runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%s/cores=%d", v.name, cores), func(b *testing.B) {
				proc, err := v.make(cores)
				if err != nil {
					b.Fatal(err)
				}
				bursts := readOnlyBursts(b, proc)
				benchtrace.RunBursts(b, proc, bursts)
			})
		}
	}
}
