package soft

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// pcapBytes builds a little-endian microsecond pcap with the given header
// snaplen; each record's captured and wire lengths are len(data), unless
// caplens overrides the captured length written in the record header.
func pcapBytes(snaplen uint32, frames [][]byte, caplens ...uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, magicPcapMicro)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, snaplen)
	b = binary.LittleEndian.AppendUint32(b, 1) // Ethernet
	for i, f := range frames {
		n := uint32(len(f))
		if i < len(caplens) {
			n = caplens[i]
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(i+1)) // seconds
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, n)
		b = binary.LittleEndian.AppendUint32(b, max(n, uint32(len(f))))
		b = append(b, f...)
	}
	return b
}

// ngBlock appends a little-endian pcapng block of type typ with body.
func ngBlock(b []byte, typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b = binary.LittleEndian.AppendUint32(b, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, n)
}

// ngSection starts a little-endian pcapng section.
func ngSection() []byte {
	body := binary.LittleEndian.AppendUint32(nil, 0x1a2b3c4d)
	body = binary.LittleEndian.AppendUint16(body, 1)
	body = binary.LittleEndian.AppendUint16(body, 0)
	body = binary.LittleEndian.AppendUint64(body, ^uint64(0)) // section length unknown
	return ngBlock(nil, 0x0a0d0d0a, body)
}

// ngInterface appends an interface description block.
func ngInterface(b []byte, link uint16, snaplen uint32) []byte {
	body := binary.LittleEndian.AppendUint16(nil, link)
	body = binary.LittleEndian.AppendUint16(body, 0)
	body = binary.LittleEndian.AppendUint32(body, snaplen)
	return ngBlock(b, 1, body)
}

// ngPacket appends an enhanced packet block on interface iface at time us
// (microseconds, the default resolution).
func ngPacket(b []byte, iface uint32, us uint64, data []byte) []byte {
	body := binary.LittleEndian.AppendUint32(nil, iface)
	body = binary.LittleEndian.AppendUint32(body, uint32(us>>32))
	body = binary.LittleEndian.AppendUint32(body, uint32(us))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	return ngBlock(b, 6, body)
}

// allocDuring returns the bytes f allocated on the heap.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// allocBound is far above what reading a small capture needs (a few 64 KiB
// I/O buffers and one MaxRecord buffer at most) and far below a buffer
// sized by a hostile length field.
const allocBound = 8 << 20

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipped(data []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}

// A header that claims a 4 GiB snaplen must not make the reader allocate
// it: buffers follow the records read.
func TestHugeSnaplenIsIgnored(t *testing.T) {
	dir := t.TempDir()
	f1, f2 := testFrame(1, 60), testFrame(2, 64)
	pcap := pcapBytes(0xffffffff, [][]byte{f1})
	if len(pcap) != 100 {
		t.Fatalf("crafted pcap has %d bytes, want 100", len(pcap))
	}
	ng := ngSection()
	ng = ngInterface(ng, 1, 0xffffffff)
	ng = ngPacket(ng, 0, 1, f1)
	ng = ngPacket(ng, 0, 2, f2)
	files := map[string][]byte{
		"huge.pcap":    pcap,
		"huge.pcap.gz": gzipped(pcap),
		"huge.pcapng":  ng,
	}
	for name, data := range files {
		path := writeFile(t, dir, name, data)
		var tr *Trace
		var err error
		if n := allocDuring(func() { tr, err = ReadTrace(path) }); n > allocBound {
			t.Errorf("%s: reading allocated %d bytes", name, n)
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if tr.Len() == 0 || !bytes.Equal(tr.Frames[0].Data, f1) {
			t.Errorf("%s: read %d frames, first frame wrong", name, tr.Len())
		}
	}
}

// Records above MaxRecord are rejected with an error that names the file
// and the record, without allocating their claimed size.
func TestGiantRecords(t *testing.T) {
	dir := t.TempDir()
	small, giant := testFrame(1, 60), make([]byte, MaxRecord+1)
	copy(giant, testFrame(2, 60))
	atMax := make([]byte, MaxRecord)
	copy(atMax, testFrame(3, 60))

	ng := ngInterface(ngSection(), 1, 0)
	ng = ngPacket(ng, 0, 1, small)
	ngGiant := ngPacket(bytes.Clone(ng), 0, 2, giant)
	ngMax := ngPacket(bytes.Clone(ng), 0, 2, atMax)

	cases := []struct {
		name string
		data []byte
		rec  int // 0: no error
	}{
		{"giant.pcap", pcapBytes(65535, [][]byte{small, giant}), 2},
		{"claimed.pcap", pcapBytes(65535, [][]byte{small, small}, 60, 0xfffffff0), 2},
		{"giant.pcap.gz", gzipped(pcapBytes(65535, [][]byte{small, small, giant})), 3},
		{"giant.pcapng", ngGiant, 2},
		{"max.pcap", pcapBytes(65535, [][]byte{small, atMax}), 0},
		{"max.pcapng", ngMax, 0},
	}
	for _, c := range cases {
		path := writeFile(t, dir, c.name, c.data)
		var tr *Trace
		var err error
		n := allocDuring(func() { tr, err = ReadTrace(path) })
		if c.rec == 0 {
			if err != nil || tr.Len() != 2 || len(tr.Frames[1].Data) != MaxRecord {
				t.Errorf("%s: a record of exactly MaxRecord bytes: err %v", c.name, err)
			}
			continue
		}
		if n > allocBound {
			t.Errorf("%s: reading allocated %d bytes", c.name, n)
		}
		var pe *PcapError
		if !errors.As(err, &pe) || pe.File != path || pe.Record != c.rec || !errors.Is(err, ErrRecordTooLarge) {
			t.Errorf("%s: err = %v, want ErrRecordTooLarge for record %d of %s", c.name, err, c.rec, path)
		}
	}
}

// Files cut anywhere, including empty ones, give a PcapError, never a panic
// or a silent short read.
func TestCutCaptures(t *testing.T) {
	dir := t.TempDir()
	frames := [][]byte{testFrame(1, 60), testFrame(2, 90)}
	pcap := pcapBytes(65535, frames)
	ng := ngInterface(ngSection(), 1, 0)
	ng = ngPacket(ng, 0, 1, frames[0])
	ng = ngPacket(ng, 0, 2, frames[1])
	// ends maps the file lengths at which a cut is a valid shorter file
	// to the number of frames it holds.
	pcapEnds := map[int]int{24: 0, 24 + 16 + 60: 1, len(pcap): 2}
	shb := len(ngSection())
	ngEnds := map[int]int{shb + 20: 0, shb + 20 + 32 + 60: 1, len(ng): 2}
	for _, c := range []struct {
		name string
		data []byte
		ends map[int]int
	}{{"cut.pcap", pcap, pcapEnds}, {"cut.pcapng", ng, ngEnds}} {
		for cut := 1; cut <= len(c.data); cut++ {
			path := writeFile(t, dir, c.name, c.data[:cut])
			tr, err := ReadTrace(path)
			if want, ok := c.ends[cut]; ok {
				if err != nil || tr.Len() != want {
					t.Errorf("%s cut at %d: err = %v, %d frames; want %d frames", c.name, cut, err, trLen(tr), want)
				}
				continue
			}
			var pe *PcapError
			if !errors.As(err, &pe) || pe.File != path {
				t.Errorf("%s cut at %d of %d: err = %v, want a PcapError", c.name, cut, len(c.data), err)
			}
		}
	}
	empty := writeFile(t, dir, "empty.pcap", nil)
	if _, err := ReadTrace(empty); err == nil || !strings.Contains(err.Error(), empty) || !strings.Contains(err.Error(), "not a capture file") {
		t.Errorf("zero-length file: err = %v", err)
	}
}

func trLen(tr *Trace) int {
	if tr == nil {
		return -1
	}
	return tr.Len()
}

// A pcapng file with several Ethernet interfaces delivers the packets of
// every interface; an interface of another link type is refused.
func TestPcapngSeveralInterfaces(t *testing.T) {
	dir := t.TempDir()
	a, b, c := testFrame(1, 60), testFrame(2, 70), testFrame(3, 80)
	ng := ngSection()
	ng = ngInterface(ng, 1, 0)
	ng = ngInterface(ng, 1, 0xffffffff)
	ng = ngPacket(ng, 0, 1, a)
	ng = ngPacket(ng, 1, 2, b)
	ng = ngPacket(ng, 0, 3, c)
	path := writeFile(t, dir, "multi.pcapng", ng)
	tr, err := ReadTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Len() != 3 || !bytes.Equal(tr.Frames[1].Data, b) || tr.Frames[1].Time != 2000 {
		t.Fatalf("read %d frames, want a, b, c", tr.Len())
	}

	mixed := ngSection()
	mixed = ngInterface(mixed, 1, 0)
	mixed = ngInterface(mixed, 101, 0) // raw IP
	mixed = ngPacket(mixed, 0, 1, a)
	mixed = ngPacket(mixed, 1, 2, b)
	path = writeFile(t, dir, "mixed.pcapng", mixed)
	_, err = ReadTrace(path)
	var pe *PcapError
	if !errors.As(err, &pe) || pe.File != path || pe.Record != 2 || !strings.Contains(err.Error(), "link type") {
		t.Errorf("mixed link types: err = %v, want record 2 of %s", err, path)
	}
}

// TestCaptureStats: the reader counts, per file, records cut by the snaplen
// and timestamps that go backwards, and nothing in a clean capture.
func TestCaptureStats(t *testing.T) {
	dir := t.TempDir()
	f := func(id uint16, time int64, size, captured int) Frame {
		data := testFrame(id, size)
		return Frame{Time: time, Data: data[:captured], Len: len(data)}
	}
	odd := filepath.Join(dir, "odd.pcap")
	writePcap(t, odd, []Frame{
		f(1, 100, 200, 200),
		f(2, 300, 200, 64),  // cut
		f(3, 200, 200, 200), // backwards
		f(4, 200, 200, 200), // a tie is not backwards
		f(5, 50, 300, 100),  // cut and backwards
		f(6, 60, 200, 200),
	})
	clean := filepath.Join(dir, "clean.pcap")
	writePcap(t, clean, []Frame{f(7, 10, 100, 100), f(8, 10, 100, 100), f(9, 400, 100, 100)})
	r, err := OpenPcaps(clean, odd)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := ReadAll(r); err != nil {
		t.Fatal(err)
	}
	want := []CaptureStats{{File: clean, Records: 3}, {File: odd, Records: 6, Truncated: 2, Backwards: 2}}
	if got := r.Stats(); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}
