package soft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/nfmaestro/maestro/maestro"
)

// testFrame returns a valid UDP frame whose source port is id, so frames are
// distinguishable.
func testFrame(id uint16, size int) []byte {
	return maestro.AppendFrame(nil, maestro.Frame{
		SrcIP: 0x0a000001, DstIP: 0x0b000001, Proto: maestro.ProtoUDP,
		SrcPort: id, DstPort: 53, Size: size,
	})
}

// writePcap writes frames to path as a nanosecond pcap.
func writePcap(t *testing.T, path string, frames []Frame) {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, f.Time), CaptureLength: len(f.Data), Length: f.WireLen()}
		if err := w.WritePacket(ci, f.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readAllFrames(t *testing.T, paths ...string) []Frame {
	t.Helper()
	tr, err := ReadTrace(paths...)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Frames
}

func TestMergeOrderAcrossPorts(t *testing.T) {
	dir := t.TempDir()
	p0, p1, p2 := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap"), filepath.Join(dir, "c.pcap")
	// Port 0 goes backwards in time at its end: the merge keeps file order
	// within a port. Ties at t=20 and t=30 go to the lower port, and within
	// port 1 the two frames at t=30 keep their file order.
	writePcap(t, p0, []Frame{{Time: 10, Data: testFrame(1, 60)}, {Time: 20, Data: testFrame(2, 60)}, {Time: 30, Data: testFrame(3, 60)}, {Time: 5, Data: testFrame(4, 60)}})
	writePcap(t, p1, []Frame{{Time: 0, Data: testFrame(11, 60)}, {Time: 20, Data: testFrame(12, 60)}, {Time: 30, Data: testFrame(13, 60)}, {Time: 30, Data: testFrame(14, 60)}, {Time: 40, Data: testFrame(15, 60)}})
	writePcap(t, p2, nil) // an empty port is fine
	got := readAllFrames(t, p0, p1, p2)
	type key struct {
		port maestro.Port
		t    int64
		id   uint16
	}
	want := []key{{1, 0, 11}, {0, 10, 1}, {0, 20, 2}, {1, 20, 12}, {0, 30, 3}, {0, 5, 4}, {1, 30, 13}, {1, 30, 14}, {1, 40, 15}}
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i, f := range got {
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if k := (key{f.Port, f.Time, p.SrcPort}); k != want[i] {
			t.Errorf("frame %d = %+v, want %+v", i, k, want[i])
		}
	}
}

func TestPcapRoundTrip(t *testing.T) {
	for _, micro := range []bool{false, true} {
		dir := t.TempDir()
		tr := &Trace{}
		// Sizes from minimum to jumbo; times with sub-microsecond parts.
		sizes := []int{60, 128, 1514, 9014, 200}
		for i, size := range sizes {
			tr.Add(maestro.Port(i%3), int64(1_700_000_000_000_000_000+i*1_234_567+i), testFrame(uint16(i), size), 0)
		}
		if err := WritePcaps(dir, tr, 3, micro); err != nil {
			t.Fatal(err)
		}
		got := readAllFrames(t, PortFile(dir, 0), PortFile(dir, 1), PortFile(dir, 2))
		if len(got) != len(tr.Frames) {
			t.Fatalf("micro=%v: read %d frames, wrote %d", micro, len(got), len(tr.Frames))
		}
		for i, f := range got {
			w := tr.Frames[i]
			wantTime := w.Time
			if micro {
				wantTime -= wantTime % 1000
			}
			if f.Port != w.Port || f.Time != wantTime || !bytes.Equal(f.Data, w.Data) || f.WireLen() != len(w.Data) {
				t.Errorf("micro=%v: frame %d: port %d time %d len %d, want port %d time %d len %d (bytes equal: %v)",
					micro, i, f.Port, f.Time, len(f.Data), w.Port, wantTime, len(w.Data), bytes.Equal(f.Data, w.Data))
			}
		}
	}
}

func TestCreatePcapsMakesEveryPort(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "sub")
	d, err := CreatePcaps(dir, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Write(Frame{Port: 1, Time: 7, Data: testFrame(1, 60)}); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(Frame{Port: 3, Data: testFrame(1, 60)}); err == nil {
		t.Error("writing to port 3 of 3 succeeded")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for port, n := range []int{0, 1, 0} {
		if got := len(readAllFrames(t, PortFile(dir, port))); got != n {
			t.Errorf("port%d.pcap has %d frames, want %d", port, got, n)
		}
	}
}

func TestPcapngAndSnaplen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "in.pcapng")
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	full := testFrame(7, 300)
	frames := []struct {
		data []byte
		wire int
	}{{testFrame(1, 60), 60}, {full[:100], len(full)}} // the second is cut by a snaplen
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, int64(1000*(i+1))), CaptureLength: len(f.data), Length: f.wire}
		if err := w.WritePacket(ci, f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := readAllFrames(t, path)
	if len(got) != 2 {
		t.Fatalf("read %d frames, want 2", len(got))
	}
	if !bytes.Equal(got[1].Data, full[:100]) || got[1].Len != len(full) || !got[1].Truncated() || got[1].Time != 2000 {
		t.Errorf("truncated record: len %d wire %d time %d", len(got[1].Data), got[1].Len, got[1].Time)
	}
	var p maestro.Packet
	p.Reset(got[1].Data, 0, 0)
	if p.Reason != maestro.ReasonBadTotalLength {
		t.Errorf("parser reason for a snaplen-cut frame = %v, want %v", p.Reason, maestro.ReasonBadTotalLength)
	}

	// Cutting the file anywhere inside the last block is reported.
	data := buf.Bytes()
	for _, cut := range []int{len(data) - 1, len(data) - 60} {
		bad := filepath.Join(dir, "cut.pcapng")
		os.WriteFile(bad, data[:cut], 0o644)
		_, err := ReadTrace(bad)
		var pe *PcapError
		if !errors.As(err, &pe) || pe.Record != 2 || !errors.Is(err, ErrTruncated) || pe.File != bad {
			t.Errorf("cut at %d: err = %v, want truncated record 2 of %s", cut, err, bad)
		}
	}
}

func TestCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pcap")
	writePcap(t, good, []Frame{{Time: 1, Data: testFrame(1, 60)}, {Time: 2, Data: testFrame(2, 100)}, {Time: 3, Data: testFrame(3, 60)}})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// Layout: 24-byte header, then records of 16 + caplen bytes.
	rec2 := 24 + 16 + 60
	rec3 := rec2 + 16 + 100
	badLen := bytes.Clone(data)
	binary.LittleEndian.PutUint32(badLen[rec2+8:], 101) // caplen 101 > len 100, and the data is misaligned
	hugeLen := bytes.Clone(data)
	binary.LittleEndian.PutUint32(hugeLen[rec2+8:], 1<<30)
	binary.LittleEndian.PutUint32(hugeLen[rec2+12:], 1<<30)
	raw := bytes.Clone(data)
	binary.LittleEndian.PutUint32(raw[20:], uint32(layers.LinkTypeRaw))
	badVersion := bytes.Clone(data)
	binary.LittleEndian.PutUint16(badVersion[4:], 9)

	cases := []struct {
		name   string
		data   []byte
		record int
		want   string
	}{
		{"empty", nil, 0, "not a capture file"},
		{"garbage", []byte("hello, world, this is not a pcap"), 0, "not a pcap or pcapng file"},
		{"short header", data[:20], 0, "truncated"},
		{"bad version", badVersion, 0, "bad pcap file header"},
		{"link type", raw, 0, "unsupported link type"},
		{"cut in record header", data[:rec2+10], 2, "truncated"},
		{"cut in record data", data[:rec2+16+50], 2, "truncated"},
		{"cut before record data", data[:rec3+16], 3, "truncated"},
		{"caplen > len", badLen, 2, "exceeds the packet length"},
		{"huge caplen", hugeLen, 2, "larger than the 262144-byte maximum"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".pcap")
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadTrace(good, path) // the bad file is port 1
		var pe *PcapError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want a *PcapError", c.name, err)
			continue
		}
		if pe.File != path || pe.Record != c.record || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %q (record %d), want %q about %s record %d", c.name, err, pe.Record, c.want, path, c.record)
		}
	}

	_, err = ReadTrace(good, filepath.Join(dir, "missing.pcap"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.pcap") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestPcapReaderStopsAtError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.pcap")
	writePcap(t, path, []Frame{{Time: 1, Data: testFrame(1, 60)}, {Time: 2, Data: testFrame(2, 60)}})
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-3], 0o644)
	r, err := OpenPcaps(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err != nil {
		t.Fatalf("first record: %v", err)
	}
	for range 2 { // the error is sticky
		if _, err := r.Next(); err == nil || err == io.EOF {
			t.Fatalf("second record: err = %v, want truncation", err)
		}
	}
}
