package soft_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

// closeCounter is a Source that counts its Close calls.
type closeCounter struct {
	*soft.TraceReader
	closed *int
}

func (c closeCounter) Close() error { *c.closed++; return nil }

// TestLoop: N passes give N times the frames, each pass shifted to start
// one average gap after the previous one ended, every pass closed.
func TestLoop(t *testing.T) {
	tr := &soft.Trace{NumPorts: 2}
	for i := range 5 {
		tr.Add(maestro.Port(i%2), 1000+int64(i)*10, frame(uint16(i)), 0) // 1000..1040, 10 ns apart
	}
	closed, opened := 0, 0
	open := func() (soft.Source, error) {
		opened++
		return closeCounter{tr.Reader(), &closed}, nil
	}
	l, err := soft.Loop(open, 3)
	if err != nil {
		t.Fatal(err)
	}
	var times []int64
	for {
		f, err := l.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, f.Time)
	}
	if len(times) != 15 || opened != 3 || closed != 3 || l.Passes() != 3 {
		t.Fatalf("%d frames, %d opened, %d closed, %d passes; want 15, 3, 3, 3", len(times), opened, closed, l.Passes())
	}
	for i, got := range times {
		if want := 1000 + int64(i)*10; got != want {
			t.Fatalf("frame %d at %d, want %d", i, got, want)
		}
	}
	if _, err := soft.Loop(open, 0); err == nil {
		t.Error("loop 0 times: no error")
	}
	// An empty source ends at once instead of reopening forever.
	empty, _ := soft.Loop(func() (soft.Source, error) { return (&soft.Trace{NumPorts: 1}).Reader(), nil }, 1000)
	if _, err := empty.Next(); err != io.EOF {
		t.Errorf("empty loop: %v, want io.EOF", err)
	}
}

// TestLoopRun: -loop N through Run processes N times the packets.
func TestLoopRun(t *testing.T) {
	tr := scriptTrace(300)
	l, err := soft.Loop(func() (soft.Source, error) { return tr.Reader(), nil }, 4)
	if err != nil {
		t.Fatal(err)
	}
	res, err := soft.Run(context.Background(), l, perCore{script{3}, script{3}}, soft.Config{Mode: soft.Concurrent})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets != 4*300 {
		t.Errorf("%d packets, want %d", res.Packets, 4*300)
	}
}

// TestPacingSchedule checks the schedule itself, not the clock.
func TestPacingSchedule(t *testing.T) {
	const first = 5_000_000_000
	cases := []struct {
		p    soft.Pacing
		i    int
		t    int64
		want time.Duration
	}{
		{soft.Pacing{PPS: 1000}, 0, first + 123, 0},
		{soft.Pacing{PPS: 1000}, 1, first, time.Millisecond},
		{soft.Pacing{PPS: 1000}, 2500, first, 2500 * time.Millisecond},
		{soft.Pacing{Speed: 1}, 7, first + 3_000_000, 3 * time.Millisecond},
		{soft.Pacing{Speed: 2}, 7, first + 3_000_000, 1500 * time.Microsecond},
		{soft.Pacing{Speed: 0.5}, 7, first + 3_000_000, 6 * time.Millisecond},
		{soft.Pacing{Speed: 1}, 8, first - 10, 0}, // time going backwards: at once
		{soft.Pacing{}, 1_000_000, first + 1e9, 0},
	}
	for _, c := range cases {
		if got := c.p.Due(c.i, c.t, first); got != c.want {
			t.Errorf("%+v: frame %d at +%d ns due %v, want %v", c.p, c.i, c.t-first, got, c.want)
		}
	}
	for _, bad := range []soft.Pacing{{PPS: 1, Speed: 1}, {PPS: -1}, {Speed: -2}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestPaceStopsOnCancel: a paced source waiting for its next frame gives up
// when the context is done (a slow replay must still stop on SIGINT).
func TestPaceStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src, err := soft.Pace(ctx, scriptTrace(10).Reader(), soft.Pacing{PPS: 1e-6}) // one frame every 11 days
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(); err != nil {
		t.Fatalf("the first frame is due at once: %v", err)
	}
	cancel()
	if _, err := src.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v, want context.Canceled", err)
	}
	same, _ := soft.Pace(ctx, scriptTrace(1).Reader(), soft.Pacing{})
	if _, ok := same.(*soft.TraceReader); !ok {
		t.Errorf("zero Pacing wrapped the source in %T", same)
	}
}

// slowSource has ready frames, then one that is not ready: its Next waits
// until the processor has seen every frame before it, which it does only
// if the runner hands its partial bursts on before waiting.
type slowSource struct {
	*soft.TraceReader
	ready   int // frames ready at once
	read    int
	seen    *atomic.Int64
	timeout time.Duration
}

func (s *slowSource) Ready() bool { return s.read < s.ready }

func (s *slowSource) Next() (soft.Frame, error) {
	if s.read == s.ready {
		deadline := time.Now().Add(s.timeout)
		for s.seen.Load() < int64(s.ready) {
			if time.Now().After(deadline) {
				return soft.Frame{}, fmt.Errorf("the runner waited for frame %d before processing the %d it had read", s.read+1, s.ready)
			}
			time.Sleep(time.Millisecond)
		}
	}
	s.read++
	return s.TraceReader.Next()
}

// counting counts the packets it processes.
type counting struct {
	perCore
	seen *atomic.Int64
}

func (c counting) ProcessBurst(core int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	c.perCore.ProcessBurst(core, pkts, verdicts)
	c.seen.Add(int64(len(pkts)))
}

// TestSlowSourceFlushes: in Concurrent mode, frames read before a source
// that must wait are processed without waiting for more (a paced replay
// at a low rate shows its packets as they come). The source gives up after
// a minute, so a runner that does not flush fails instead of hanging.
func TestSlowSourceFlushes(t *testing.T) {
	var seen atomic.Int64
	src := &slowSource{TraceReader: scriptTrace(20).Reader(), ready: 10, seen: &seen, timeout: time.Minute}
	res, err := soft.Run(context.Background(), src, counting{perCore{script{3}, script{3}}, &seen}, soft.Config{Mode: soft.Concurrent, Sink: &soft.Capture{}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Packets != 20 {
		t.Errorf("%d packets, want 20", res.Packets)
	}
}

// TestPacedReady: a paced source is ready for a frame that is due, not for
// one days ahead, and still returns every frame.
func TestPacedReady(t *testing.T) {
	for _, c := range []struct {
		pps   float64
		ready bool
	}{{1e-6, false}, {1e12, true}} {
		src, _ := soft.Pace(context.Background(), scriptTrace(3).Reader(), soft.Pacing{PPS: c.pps})
		w := src.(soft.Waiter)
		if !w.Ready() {
			t.Errorf("%g pps: the first frame is not ready", c.pps)
		}
		if _, err := src.Next(); err != nil {
			t.Fatal(err)
		}
		if got := w.Ready(); got != c.ready {
			t.Errorf("%g pps: second frame ready %v, want %v", c.pps, got, c.ready)
		}
	}
	src, _ := soft.Pace(context.Background(), scriptTrace(3).Reader(), soft.Pacing{PPS: 1e12})
	w := src.(soft.Waiter)
	for i := range 3 {
		w.Ready()
		w.Ready() // reading ahead twice must not skip a frame
		f, err := src.Next()
		if err != nil || f.Time != int64(i) {
			t.Fatalf("frame %d: time %d, %v", i, f.Time, err)
		}
	}
	w.Ready()
	if _, err := src.Next(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
}
