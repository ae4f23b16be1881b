//go:build !maestrogen

package lockprobe

import (
	"bytes"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// frame returns a UDP frame of flow f (0..255) to dstPort with a 32-byte
// payload.
func frame(f int, dstPort uint16) []byte {
	return maestro.AppendFrame(nil, maestro.Frame{EthSrc: maestro.MAC{2, 0, 0, 0, 0, 1}, EthDst: maestro.MAC{2, 0, 0, 0, 0, 2},
		SrcIP: 0x0a000000 | uint32(f), DstIP: 0xc0a80001, Proto: maestro.ProtoUDP, SrcPort: 1000 + uint16(f), DstPort: dstPort,
		Size: 14 + 20 + 8 + 32})
}

// processOne runs one packet through the parallel probe on core and turns
// a panic into an error.
func processOne(par *ProbeParallel, core int, p *maestro.Packet) (v maestro.Verdict, err any) {
	defer func() { err = recover() }()
	var vs [1]maestro.Verdict
	par.ProcessBurst(core, []maestro.Packet{*p}[:1:1], vs[:])
	return vs[0], nil
}

// TestParallelMatchesSequential runs flows that are new (a read pass that
// aborts at Insert, then a write pass) and known (a read pass only)
// through the sequential and the lock-based probe, on alternating cores,
// and compares verdicts and bytes exactly: the aborted read pass must have
// undone its payload scramble, its InPort flip and its shortening of Data,
// and must not have crashed on Insert's refusal.
func TestParallelMatchesSequential(t *testing.T) {
	for _, cores := range []int{1, 2} {
		seq := New(Config{})
		par, err := NewParallel(Config{}, cores)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			f := i % 13 // flows come back: later packets are read-only
			var sp, pp maestro.Packet
			sp.Reset(frame(f, 53), maestro.Port(i%2), int64(i))
			pp.Reset(frame(f, 53), maestro.Port(i%2), int64(i))
			want := seq.Process(&sp)
			pkts := []maestro.Packet{pp}
			var vs [1]maestro.Verdict
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%d cores, packet %d: the parallel probe panicked: %v", cores, i, r)
					}
				}()
				par.ProcessBurst(i%cores, pkts, vs[:])
			}()
			if vs[0] != want || !bytes.Equal(pkts[0].Data, sp.Data) {
				t.Fatalf("%d cores, packet %d: parallel %v % x\nsequential %v % x", cores, i, vs[0], pkts[0].Data, want, sp.Data)
			}
		}
	}
}

// panics reports whether f panics.
func panics(f func()) (did bool) {
	defer func() { did = recover() != nil }()
	f()
	return false
}

// TestPanicReleasesLocks: an NF panic in the read pass or in the write pass
// reaches the caller, and leaves neither lock held. Releasing a BigReader
// lock nobody holds panics (and changes nothing), which is how the test
// looks at the lock without waiting on it.
func TestPanicReleasesLocks(t *testing.T) {
	par, err := NewParallel(Config{Panics: true}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for f, port := range []uint16{PanicRead, PanicWrite} {
		var p maestro.Packet
		p.Reset(frame(f, port), 0, 1)
		if _, r := processOne(par, 0, &p); r == nil {
			t.Fatalf("port %d: the NF's panic did not reach the caller", port)
		}
		if !panics(func() { par.lock.RUnlock(0) }) {
			t.Errorf("port %d: core 0's read lock was left held", port)
		}
		if !panics(func() { par.lock.Unlock() }) {
			t.Errorf("port %d: the write lock was left held", port)
		}
	}
	// Both cores still work, write passes included.
	for core := range 2 {
		var p maestro.Packet
		p.Reset(frame(100+core, 53), 0, 2)
		if v, r := processOne(par, core, &p); r != nil || v != maestro.Forward(1) {
			t.Fatalf("core %d after the panics: verdict %v, panic %v", core, v, r)
		}
	}
}

// TestConcurrentMatchesSerialisation runs the probe truly concurrently and
// compares it with the sequential probe replaying the order its locks
// imposed: aborted passes must have left no trace in the packets.
func TestConcurrentMatchesSerialisation(t *testing.T) {
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 4000})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range traces {
		par, err := NewParallel(Config{Capacity: 4096}, 4)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := maestrotest.Run(New(Config{Capacity: 4096}), par, tr.Trace, maestrotest.Options{Mode: maestrotest.Concurrent})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Serialized {
			t.Fatalf("%s: not compared with a serialisation: %v", tr.Name, rep.Err())
		}
		if err := rep.Err(); err != nil {
			t.Errorf("%s: %v", tr.Name, err)
		}
	}
}
