//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfmaestro/maestro/maestro"
)

// pcapBytes returns a little-endian microsecond pcap file of n UDP frames,
// one per microsecond, or only its header for n == 0.
func pcapBytes(n int) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)              // thiszone, sigfigs
	b = binary.LittleEndian.AppendUint32(b, 65535) // snaplen
	b = binary.LittleEndian.AppendUint32(b, 1)     // Ethernet
	for i := range n {
		fr := maestro.AppendFrame(nil, maestro.Frame{SrcIP: 0x0a000001, DstIP: 0x0b000001, Proto: maestro.ProtoUDP, SrcPort: uint16(1000 + i), DstPort: 53, Size: 60})
		b = binary.LittleEndian.AppendUint32(b, 1)
		b = binary.LittleEndian.AppendUint32(b, uint32(i))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(fr)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(fr)))
		b = append(b, fr...)
	}
	return b
}

// TestSIGINTWhileReadingFIFO feeds nfrun's first port from a FIFO whose
// writer stays open after a few records, so that nfrun ends up blocked
// reading it, and interrupts it there: it must exit 130 at once, with
// every record it took from the FIFO processed, in the outputs and in the
// summary. The test waits for nfrun to start (its first progress line) and
// to drain the FIFO (no unread byte left in it), then sends SIGINT.
func TestSIGINTWhileReadingFIFO(t *testing.T) {
	const records = 100
	for _, mode := range [][]string{nil, {"-trace-order"}, {"-seq"}} {
		dir := t.TempDir()
		fifo, wan, out := filepath.Join(dir, "lan.fifo"), filepath.Join(dir, "wan.pcap"), filepath.Join(dir, "out")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo refused: %v", err)
		}
		if err := os.WriteFile(wan, pcapBytes(0), 0o644); err != nil {
			t.Fatal(err)
		}
		// Opened read-write, a FIFO never blocks its opener (Linux), so
		// the records wait in the FIFO before nfrun starts; the test
		// never reads from it.
		w, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		if _, err := w.Write(pcapBytes(records)); err != nil {
			t.Fatal(err)
		}

		cmd := exec.Command(nfrunBin, append([]string{"-nf", "nop", "-in", fifo, "-in", wan, "-out", out, "-progress", "1ms"}, mode...)...)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		pipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(pipe)
		var stderr strings.Builder
		started := false
		for !started && sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			started = strings.Contains(sc.Text(), " packets, ")
		}
		if !started {
			cmd.Wait()
			t.Fatalf("%v: nfrun ended before its first progress line; stderr:\n%s", mode, stderr.String())
		}
		// Every byte written has left the FIFO for nfrun's buffers; it is
		// now processing them or blocked reading for more.
		for deadline := time.Now().Add(60 * time.Second); ; {
			n, err := unix.IoctlGetInt(int(w.Fd()), unix.TIOCINQ) // FIONREAD: bytes not yet read
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%v: nfrun left %d bytes in the FIFO", mode, n)
			}
			time.Sleep(time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		// A hang guard, not a measurement: an nfrun stuck in read() never
		// exits, and the test says so instead of timing out.
		hung := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
		}
		err = cmd.Wait()
		if !hung.Stop() {
			t.Fatalf("%v: nfrun did not exit within 60 s of SIGINT (blocked reading the FIFO); stderr ends:\n%s", mode, lastLines(stderr.String(), 5))
		}
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != 130 {
			t.Fatalf("%v: exit %d, want 130; stderr ends:\n%s", mode, code, lastLines(stderr.String(), 5))
		}
		if !strings.HasSuffix(stderr.String(), "nfrun: interrupted\n") {
			t.Errorf("%v: stderr does not end with \"nfrun: interrupted\":\n%s", mode, lastLines(stderr.String(), 5))
		}
		m := totalRE.FindStringSubmatch(stdout.String())
		if m == nil {
			t.Fatalf("%v: no summary on stdout:\n%s", mode, stdout.String())
		}
		if total, _ := strconv.Atoi(m[1]); total != records {
			t.Errorf("%v: summary counts %d packets, want the %d records written", mode, total, records)
		}
		if got := outputPackets(t, out, mode); got != records {
			t.Errorf("%v: output pcaps hold %d packets, want %d", mode, got, records)
		}
	}
}

// lastLines returns the last n lines of s (progress lines pile up).
func lastLines(s string, n int) string {
	lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "") + "\n"
}
