//go:build dpdk

package dpdk

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
)

// TestRSSFromFieldSelection: the solver's field selection becomes DPDK's
// *_ONLY flags.
func TestRSSFromFieldSelection(t *testing.T) {
	rs := RSSFrom([]rss.Config{
		{Port: 0, Key: make([]byte, 52), Fields: rss.HashIPv4All | rss.HashL3DstOnly | rss.HashL4DstOnly},
		{Port: 1, Key: make([]byte, 52), Fields: rss.HashIPv4All | rss.HashL3SrcOnly},
	})
	if want := DefaultHash | HashL3DstOnly | HashL4DstOnly; rs[0].Hash != want {
		t.Errorf("port 0 rss_hf %#x, want %#x", rs[0].Hash, want)
	}
	if want := DefaultHash | HashL3SrcOnly; rs[1].Hash != want {
		t.Errorf("port 1 rss_hf %#x, want %#x", rs[1].Hash, want)
	}
}

// TestFieldSelectionOnNull: a device either hashes the selected fields (it
// offers the flags and keeps them) or RSS is refused with a reason and the
// run falls back to software dispatch; it never silently hashes more
// fields than the keys were solved for.
func TestFieldSelectionOnNull(t *testing.T) {
	inChild(t, func(t *testing.T) {
		eal := nullEAL(3)
		if err := Init(eal); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := Cleanup(); err != nil {
				t.Error(err)
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		proc := newMixProc(2, 3, 100000, cancel)
		var next atomic.Uint32
		cfg := Config{
			RSS:      []RSS{{Hash: DefaultHash | HashL3DstOnly}, {Hash: DefaultHash | HashL3SrcOnly}, {Hash: DefaultHash | HashL3SrcOnly}},
			Dispatch: func(*maestro.Packet) int { return int(next.Add(1)) },
			Logf:     t.Logf,
		}
		res, err := Run(ctx, cfg, proc, nil)
		if err != nil {
			t.Fatal(err)
		}
		proc.check(t, res)
		switch {
		case res.Mode == ModeRSS && !hasNote(res, "software dispatch"):
			t.Logf("net_null kept the field selection")
		case res.Mode == ModeSoftware && (hasNote(res, "cannot narrow the hash") || hasNote(res, "dropped the RSS field selection")):
		default:
			t.Errorf("mode %v, notes %q; want RSS with the selection, or software dispatch saying why", res.Mode, res.Notes)
		}
	})
}
