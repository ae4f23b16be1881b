//go:build linux

package soft

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"golang.org/x/sys/unix"
)

// fifoWithRecords makes a FIFO holding a pcap of n frames, its writer (the
// test's) still open, and returns the FIFO's path and the writer.
func fifoWithRecords(t *testing.T, n int) (string, *os.File) {
	t.Helper()
	dir := t.TempDir()
	src, fifo := filepath.Join(dir, "src.pcap"), filepath.Join(dir, "in.fifo")
	var frames []Frame
	for i := range n {
		frames = append(frames, Frame{Time: int64(i + 1), Data: testFrame(uint16(i), 60)})
	}
	writePcap(t, src, frames)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo refused: %v", err)
	}
	// Read-write: the open does not wait for a reader (Linux).
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	return fifo, w
}

// TestPcapFromFIFO: a capture read from a FIFO (it cannot seek) replays
// like a file, and ends when the writer closes.
func TestPcapFromFIFO(t *testing.T) {
	fifo, w := fifoWithRecords(t, 5)
	r, err := OpenPcaps(fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.Close()
	for i := range 5 {
		f, err := r.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		if f.Time != int64(i+1) {
			t.Errorf("record %d at %d", i+1, f.Time)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last record: %v, want EOF", err)
	}
}

// TestInterruptBlockedFIFORead: Next blocked reading a FIFO whose writer
// is open but quiet returns the cause given to Interrupt, after the
// records already read.
func TestInterruptBlockedFIFORead(t *testing.T) {
	fifo, _ := fifoWithRecords(t, 3)
	r, err := OpenPcaps(fifo)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	stop := errors.New("stop")
	for i := range 3 {
		if _, err := r.Next(); err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
	}
	done := make(chan error)
	go func() {
		_, err := r.Next() // blocks: the FIFO is empty and its writer open
		done <- err
	}()
	// Wait until the goroutine is parked in the poller, waiting for the
	// FIFO to become readable: the read Interrupt must end.
	for buf := make([]byte, 1<<20); !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "(*pollDesc).waitRead"); {
		runtime.Gosched()
	}
	r.Interrupt(stop)
	if err := <-done; err != stop {
		t.Errorf("interrupted Next: %v, want the cause", err)
	}
	if _, err := r.Next(); err != stop {
		t.Errorf("Next after the interrupt: %v, want the cause again", err)
	}
}

// TestInterruptRegularFile: regular files take no deadline and read on to
// the end.
func TestInterruptRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.pcap")
	writePcap(t, path, []Frame{{Time: 1, Data: testFrame(1, 60)}, {Time: 2, Data: testFrame(2, 60)}})
	r, err := OpenPcaps(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Interrupt(errors.New("stop"))
	for i := range 2 {
		if _, err := r.Next(); err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("end: %v, want EOF", err)
	}
}

// passAll forwards every packet to port 0, on any number of cores.
type passAll int

func (c passAll) Cores() int { return int(c) }

func (passAll) ProcessBurst(_ int, pkts []maestro.Packet, vs []maestro.Verdict) {
	for i := range pkts {
		vs[i] = maestro.Forward(0)
	}
}

// TestRunDrainsFIFOWhenInterrupted: a run whose context is done before it
// has read anything still processes the records a FIFO input has taken
// in, which nobody can read again, in both modes, paced or not, and ends
// with the context's error; a run over a regular file stops at once,
// leaving the file's records where they are.
func TestRunDrainsFIFOWhenInterrupted(t *testing.T) {
	const records = 50
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, mode := range []Mode{TraceOrder, Concurrent} {
		for _, paced := range []bool{false, true} {
			fifo, w := fifoWithRecords(t, records)
			r, err := OpenPcaps(fifo)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			// The reader's buffer has taken in every byte written.
			if n, err := unix.IoctlGetInt(int(w.Fd()), unix.TIOCINQ); err != nil || n != 0 {
				t.Fatalf("%d bytes left in the FIFO after the open (%v)", n, err)
			}
			var src Source = r
			if paced {
				// 10 packets a second: the records would take 5 s.
				if src, err = Pace(ctx, r, Pacing{PPS: 10}); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Run(ctx, src, passAll(2), Config{Mode: mode})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%v, paced %v: Run: %v, want the context's error", mode, paced, err)
			}
			if res == nil || res.Packets != records {
				t.Errorf("%v, paced %v: %+v, want the %d records taken in processed", mode, paced, res, records)
			}
		}
		path := filepath.Join(t.TempDir(), "in.pcap")
		var frames []Frame
		for i := range records {
			frames = append(frames, Frame{Time: int64(i + 1), Data: testFrame(uint16(i), 60)})
		}
		writePcap(t, path, frames)
		r, err := OpenPcaps(path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		res, err := Run(ctx, r, passAll(2), Config{Mode: mode})
		if !errors.Is(err, context.Canceled) || res == nil || res.Packets != 0 {
			t.Errorf("%v, regular file: %+v, %v; want no packet and the context's error", mode, res, err)
		}
	}
}
