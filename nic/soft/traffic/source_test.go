package traffic

import (
	"bytes"
	"io"
	"runtime"
	"testing"
)

// TestSourceMatchesGenerate: the streamed trace is the in-memory one, frame
// for frame, hostile events (several frames per draw) and churn included.
func TestSourceMatchesGenerate(t *testing.T) {
	c := small()
	c.Proto = Mix
	c.Sizes = IMIX
	c.Churn = 1e5
	c.Hostile = 0.3
	c.Kinds = AllKinds
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSource(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Ports() != tr.NumPorts {
		t.Fatalf("source has %d ports, trace %d", s.Ports(), tr.NumPorts)
	}
	for i, want := range tr.Frames {
		f, err := s.Next()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if f.Port != want.Port || f.Time != want.Time || !bytes.Equal(f.Data, want.Data) {
			t.Fatalf("frame %d: streamed port %d time %d, generated port %d time %d (or bytes differ)", i, f.Port, f.Time, want.Port, want.Time)
		}
	}
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("after %d frames: %v, want io.EOF", len(tr.Frames), err)
	}
}

// TestSourceBoundedMemory: streaming a million packets allocates next to
// nothing beyond the flow table; holding them would take over 100 MB
// (64-byte frames plus a Frame header each).
func TestSourceBoundedMemory(t *testing.T) {
	c := DefaultConfig()
	c.Packets = 1_000_000
	c.Hostile = 0.1
	s, err := NewSource(c)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	n, bytesSeen := 0, 0
	for {
		f, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		bytesSeen += len(f.Data)
	}
	runtime.ReadMemStats(&after)
	if n != c.Packets {
		t.Fatalf("%d packets, want %d", n, c.Packets)
	}
	const limit = 4 << 20
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit {
		t.Errorf("streaming %d packets (%d bytes of frames) allocated %d bytes, want at most %d", n, bytesSeen, alloc, limit)
	}
}
