package soft_test

import (
	"context"
	"errors"
	"io"
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
