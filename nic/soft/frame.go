package soft

import (
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/nfmaestro/maestro/maestro"
)

// Frame is one packet of a trace: the port it arrives on (or leaves by, for
// an output), its time in nanoseconds since the Unix epoch, and its bytes.
type Frame struct {
	Port maestro.Port
	Time int64
	// Data is the captured frame, starting at the Ethernet header.
	Data []byte
	// Len is the frame's length on the wire. It is larger than len(Data)
	// when the capture truncated the frame (snaplen); 0 means len(Data).
	Len int
}

// WireLen returns the frame's length on the wire: Len, or len(Data) when Len
// is 0 or smaller than the data.
func (f *Frame) WireLen() int { return max(f.Len, len(f.Data)) }

// Truncated reports whether the capture kept only part of the frame.
func (f *Frame) Truncated() bool { return f.Len > len(f.Data) }

// Source is a stream of input frames in arrival order.
type Source interface {
	// Ports returns the number of input ports; every frame's Port is below it.
	Ports() int
	// Next returns the next frame, or io.EOF after the last one. The frame's
	// Data is only valid until the next call: callers copy what they keep.
	Next() (Frame, error)
}

// Drainer is an optional interface of a Source whose input, once read,
// nobody can read again: a FIFO or a pipe. When Run's context is done, Run
// calls Drain with the context's error. A Drainer that returns true makes
// every read that would wait fail with cause, and returns first the
// records it has already taken in; Run processes and writes them, then
// stops with cause. Otherwise Run stops at once, as it does for every other
// Source (what it did not read stays in its file).
type Drainer interface {
	Drain(cause error) bool
}

// drain reports whether src is a Drainer that drains on cause.
func drain(src Source, cause error) bool {
	d, ok := src.(Drainer)
	return ok && d.Drain(cause)
}

// Sink receives the frames an NF sends. Write must not keep f.Data after it
// returns: the runner reuses the buffer.
type Sink interface {
	Write(f Frame) error
}

// Trace is an in-memory list of frames in arrival order, with the number of
// ports they arrive on. Frame data is packed into a few large blocks so a
// trace of millions of frames costs few allocations and replays without any.
type Trace struct {
	// Frames are the frames in arrival order.
	Frames []Frame
	// NumPorts is the number of ports; every frame's Port is below it.
	NumPorts int

	arena []byte // current block that Add copies into
}

// MonotonicTimes returns t with every frame's time at least the time of
// the frame before it, and how many frames it moved: t itself when their
// times never go back, else a copy whose Frames (sharing their data) hold
// the clamped times. Run processes frames so (Result.ClampedTimes), and
// so must anything that compares a sequential NF with a parallel one: a
// shared-nothing NF's cores expire their state at the times of their own
// packets, which equals the sequential NF's expiry only when time never
// goes back.
func (t *Trace) MonotonicTimes() (*Trace, int) {
	last, n := int64(math.MinInt64), 0
	var out []Frame
	for i, f := range t.Frames {
		if f.Time >= last {
			last = f.Time
			continue
		}
		if out == nil {
			out = slices.Clone(t.Frames)
		}
		out[i].Time = last
		n++
	}
	if out == nil {
		return t, 0
	}
	return &Trace{Frames: out, NumPorts: t.NumPorts}, n
}

// arenaBlock is the size of the blocks Add packs frame data into: large
// enough that a million 64-byte frames take ~60 allocations, small enough
// that the waste at the end of each block does not matter.
const arenaBlock = 1 << 20

// Add appends a copy of data as a frame arriving on port at time t (ns);
// wireLen is the length on the wire (0 means len(data)). Frames must be added
// in arrival order; NumPorts grows to cover port.
func (t *Trace) Add(port maestro.Port, time int64, data []byte, wireLen int) {
	n := len(data)
	if cap(t.arena)-len(t.arena) < n {
		t.arena = make([]byte, 0, max(arenaBlock, n))
	}
	start := len(t.arena)
	t.arena = append(t.arena, data...)
	// The three-index slice stops an append to one frame from overwriting
	// the next frame's bytes.
	t.Frames = append(t.Frames, Frame{Port: port, Time: time, Data: t.arena[start : start+n : start+n], Len: wireLen})
	if int(port) >= t.NumPorts {
		t.NumPorts = int(port) + 1
	}
}

// Len returns the number of frames.
func (t *Trace) Len() int { return len(t.Frames) }

// Reader returns a Source that replays t from the start. Readers do not
// modify t, so several may replay the same trace concurrently. The frames it
// returns point into t: the runner copies them before an NF rewrites them.
func (t *Trace) Reader() *TraceReader { return &TraceReader{t: t} }

// Port returns the frames of one port, in order (for writing one pcap per
// port). The frames share t's data.
func (t *Trace) Port(port maestro.Port) []Frame {
	var out []Frame
	for _, f := range t.Frames {
		if f.Port == port {
			out = append(out, f)
		}
	}
	return out
}

// TraceReader replays a Trace; it implements Source without allocating.
type TraceReader struct {
	t *Trace
	i int
}

// Ports returns the trace's number of ports.
func (r *TraceReader) Ports() int { return r.t.NumPorts }

// Next returns the next frame of the trace, or io.EOF at its end.
func (r *TraceReader) Next() (Frame, error) {
	if r.i >= len(r.t.Frames) {
		return Frame{}, io.EOF
	}
	r.i++
	return r.t.Frames[r.i-1], nil
}

// Rewind starts the replay again from the first frame.
func (r *TraceReader) Rewind() { r.i = 0 }

// Capture is a Sink that keeps a copy of every frame written to it, for tests
// and for comparing runs.
type Capture struct {
	// Frames are the frames written, in order, each with its own copy of
	// the data (so the copies of a flooded frame are independent).
	Frames []Frame
}

// Write stores a copy of f.
func (c *Capture) Write(f Frame) error {
	f.Data = append([]byte(nil), f.Data...)
	c.Frames = append(c.Frames, f)
	return nil
}

// Port returns the captured frames sent out of port, in order.
func (c *Capture) Port(port maestro.Port) []Frame {
	var out []Frame
	for _, f := range c.Frames {
		if f.Port == port {
			out = append(out, f)
		}
	}
	return out
}

// ReadAll reads every frame of src into a new Trace (copying the data).
func ReadAll(src Source) (*Trace, error) {
	t := &Trace{NumPorts: src.Ports()}
	for {
		f, err := src.Next()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		if int(f.Port) >= t.NumPorts {
			return nil, fmt.Errorf("soft: source returned port %d, but has %d ports", f.Port, t.NumPorts)
		}
		t.Add(f.Port, f.Time, f.Data, f.Len)
	}
}
