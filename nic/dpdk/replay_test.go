//go:build dpdk

package dpdk

import (
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
)

// A replay on one core sees the two ports' frames merged by capture time,
// as the software backend's reader hands them out, however net_pcap's
// bursts fall (the ports used to be read 32 frames at a time in turns).
// With software dispatch into rings smaller than one burst, nothing is
// lost: the dispatcher waits for room.
func TestReplayMergeAndBackPressure(t *testing.T) {
	inChild(t, func(t *testing.T) {
		const n = 700
		in := [][][]byte{frames(0, n), frames(1, n)}
		box := newPcapBox(t, 2)
		writeInputs(t, box.dir, in)
		// writeInputs gives frame i of every port the same time; port 0
		// wins the ties, so the merged order alternates 0, 1, 0, 1, ...
		var mu sync.Mutex
		var seen []int
		record := func(p *maestro.Packet) maestro.Verdict {
			mu.Lock()
			port, k := seqOf(p.Data)
			seen = append(seen, 2*k+port)
			mu.Unlock()
			return swap(p)
		}
		res, _ := box.run(t, Config{Cores: 1}, fwdProc{1, record})
		if !hasNote(res, "ports merged by capture time") {
			t.Errorf("notes %q do not announce the merge", res.Notes)
		}
		if len(seen) != 2*n {
			t.Fatalf("one core: the NF saw %d frames, want %d", len(seen), 2*n)
		}
		for i, v := range seen {
			if v != i {
				t.Fatalf("one core: frame %d in merged order was port %d frame %d", i, v%2, v/2)
			}
		}

		// Software dispatch into rings of 16: every frame reaches the NF
		// and leaves.
		seen = nil
		dispatch := func(p *maestro.Packet) int { return int(p.SrcIP % 7 % 2) }
		res, out := box.run(t, Config{Cores: 2, Dispatch: dispatch, RingSize: 16}, fwdProc{2, record})
		if res.Mode != ModeSoftware {
			t.Fatalf("mode %v, want software dispatch", res.Mode)
		}
		for p := range 2 {
			ps := res.Stats.Ports[p]
			if ps.RX != n || ps.Missed != 0 || len(out[p]) != n {
				t.Errorf("port %d: %+v, %d frames out; want %d received and sent, none missed", p, ps.Stats, len(out[p]), n)
			}
		}
		if len(seen) != 2*n {
			t.Errorf("software dispatch: the NF saw %d frames, want %d", len(seen), 2*n)
		}
	})
}
