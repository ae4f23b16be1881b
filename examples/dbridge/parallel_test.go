//go:build !maestrogen

package dbridge

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
)

// testConfig makes state expire within the standard traces (20 ms long),
// so expiry and slot reuse are compared too.
var testConfig = Config{Capacity: 4096, Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential is the differential test (docs/design.md) for
// the generated parallel NF.
func TestParallelMatchesSequential(t *testing.T) {
	traces, err := maestrotest.AllTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq := func() maestro.NF { return New(testConfig) }
	maestrotest.CheckMatrix(t, traces,
		maestrotest.Case{Name: "parallel", Seq: seq,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) }},
	)
}

// readOnlyBursts returns, per core, bursts of frames between hosts the
// bridge has learned, spread over the cores by proc's RSS, and warms proc
// with them so that processing them again only finds and refreshes.
func readOnlyBursts(tb testing.TB, proc *DBridgeParallel) [][][]maestro.Packet {
	tb.Helper()
	const hosts = 2048
	mac := func(i int) maestro.MAC { return maestro.MAC{0x02, 0, 0, 0, byte(i >> 8), byte(i)} }
	disp, err := soft.RSSDispatcher(proc.RSS()...)
	if err != nil {
		tb.Fatal(err)
	}
	cores := proc.Cores()
	out := make([][][]maestro.Packet, cores)
	for i := range 4 * hosts {
		s, d := i%hosts, (i*7+1)%hosts
		data := maestro.AppendFrame(nil, maestro.Frame{EthSrc: mac(s), EthDst: mac(d), SrcIP: uint32(s), DstIP: uint32(d),
			Proto: maestro.ProtoUDP, SrcPort: 1000, DstPort: 2000, Size: 60})
		var p maestro.Packet
		// One time for all: nothing expires while the benchmark loops.
		p.Reset(data, maestro.Port(s%2), 1_000_000_000)
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

// BenchmarkReadOnly measures the lock-based bridge's per-packet cost on
// learned hosts, all cores busy: every packet is a read pass (read lock,
// header save, lookups, core-local refresh).
func BenchmarkReadOnly(b *testing.B) {
	cores := runtime.GOMAXPROCS(0)
	b.Run(fmt.Sprintf("locks/cores=%d", cores), func(b *testing.B) {
		proc, err := NewParallel(DefaultConfig(), cores)
		if err != nil {
			b.Fatal(err)
		}
		bursts := readOnlyBursts(b, proc)
		benchtrace.RunBursts(b, proc, bursts)
	})
}
