package soft_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

// timeRecorder records the time each packet (named by its source port)
// was processed at.
type timeRecorder struct {
	cores int
	mu    sync.Mutex
	at    map[uint16]int64
}

func (r *timeRecorder) Cores() int { return r.cores }

func (r *timeRecorder) ProcessBurst(_ int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range pkts {
		r.at[pkts[i].SrcPort] = pkts[i].Time
		verdicts[i] = maestro.Drop
	}
}

// backwards is a trace whose times go back now and then, as in a capture
// merged from several queues: packet i has source port i.
func backwards() (tr *soft.Trace, want []int64) {
	times := []int64{100, 90, 200, 150, 150, 300, 10, 400, 399, 500}
	want = []int64{100, 100, 200, 200, 200, 300, 300, 400, 400, 500}
	tr = &soft.Trace{NumPorts: 2}
	for i, at := range times {
		tr.Add(maestro.Port(i%2), at, frame(uint16(i)), 0)
	}
	return tr, want
}

// TestRunClampsTimesGoingBack: a frame earlier than the one before it is
// processed at that frame's time, in both modes and on any number of
// cores, and counted; the trace itself is left alone.
func TestRunClampsTimesGoingBack(t *testing.T) {
	tr, want := backwards()
	for _, mode := range []soft.Mode{soft.TraceOrder, soft.Concurrent} {
		for _, cores := range []int{1, 3} {
			rec := &timeRecorder{cores: cores, at: map[uint16]int64{}}
			res, err := soft.Run(context.Background(), tr.Reader(), rec, soft.Config{Mode: mode, Dispatch: func(p *maestro.Packet) int { return int(p.SrcPort) }})
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range want {
				if got := rec.at[uint16(i)]; got != w {
					t.Errorf("%v/%d cores: packet %d processed at %d, want %d", mode, cores, i, got, w)
				}
			}
			if res.ClampedTimes != 5 {
				t.Errorf("%v/%d cores: ClampedTimes %d, want 5", mode, cores, res.ClampedTimes)
			}
		}
	}
	if tr.Frames[1].Time != 90 {
		t.Errorf("Run changed the trace: frame 1 at %d", tr.Frames[1].Time)
	}
}

// TestMonotonicTimes: the trace itself when its times never go back; else
// a copy with the times Run would process, and the count.
func TestMonotonicTimes(t *testing.T) {
	tr, want := backwards()
	got, n := tr.MonotonicTimes()
	if n != 5 || got == tr {
		t.Fatalf("MonotonicTimes moved %d frames (copy: %v), want 5 in a copy", n, got != tr)
	}
	var times []int64
	for i, f := range got.Frames {
		times = append(times, f.Time)
		if !slices.Equal(f.Data, tr.Frames[i].Data) || f.Port != tr.Frames[i].Port {
			t.Errorf("frame %d changed beyond its time", i)
		}
	}
	if !slices.Equal(times, want) {
		t.Errorf("times %v, want %v", times, want)
	}
	if tr.Frames[1].Time != 90 {
		t.Errorf("the original changed: frame 1 at %d", tr.Frames[1].Time)
	}
	if again, n := got.MonotonicTimes(); again != got || n != 0 {
		t.Errorf("a monotonic trace: copy %v, %d moved", again != got, n)
	}
}
