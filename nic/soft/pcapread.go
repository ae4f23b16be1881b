package soft

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/nfmaestro/maestro/maestro"
)

// PcapError reports a problem with one capture file, and with which record
// (1-based; 0 when the problem is not in a packet record, e.g. the file
// header).
type PcapError struct {
	File   string
	Record int
	Err    error
}

// Error formats the error as "FILE: record N: problem".
func (e *PcapError) Error() string {
	if e.Record > 0 {
		return fmt.Sprintf("%s: record %d: %v", e.File, e.Record, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the underlying error.
func (e *PcapError) Unwrap() error { return e.Err }

// ErrTruncated is the underlying error of a PcapError for a file that ends
// in the middle of a record (or block).
var ErrTruncated = errors.New("file truncated in the middle of a record")

// MaxRecord bounds the captured length of one record, in bytes: libpcap's
// MAXIMUM_SNAPLEN (256 KiB). A longer record is rejected with a PcapError
// wrapping ErrRecordTooLarge. The snaplen in a pcap file header is ignored,
// as tcpdump and Wireshark do (some writers get it wrong, and a hostile one
// can claim 4 GiB): buffers grow with the records actually read, up to this.
const MaxRecord = 262144

// ErrRecordTooLarge is the underlying error of a PcapError for a record
// whose captured length exceeds MaxRecord.
var ErrRecordTooLarge = fmt.Errorf("record larger than the %d-byte maximum", MaxRecord)

// File magics, read as little-endian uint32 from the first four bytes.
const (
	magicPcapMicro   = 0xa1b2c3d4
	magicPcapMicroBE = 0xd4c3b2a1
	magicPcapNano    = 0xa1b23c4d
	magicPcapNanoBE  = 0x4d3cb2a1
	magicPcapng      = 0x0a0d0d0a // section header block type: same in both byte orders
)

// packetReader is what pcapgo's Reader and NgReader have in common.
type packetReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// portReader reads one port's capture file and holds its next frame.
type portReader struct {
	path string
	port maestro.Port
	f    *os.File
	r    packetReader
	ng   bool
	rec  int // number of the record in head
	head Frame
	ok   bool // head holds a frame
	last int64
	// What the capture holds that a replay cannot reproduce faithfully.
	truncated, backwards int
}

// PcapReader merges the packets of one capture file per input port into one
// stream ordered by timestamp; it implements Source. Ties go to the lower
// port; within a port the file's order is kept even if its timestamps go
// backwards (the merge only ever compares the ports' next packets).
//
// Files may be pcap (micro- or nanosecond, either byte order, optionally
// gzip-compressed) or pcapng; the format is detected from the magic number.
// Only Ethernet link types are accepted. Records truncated by the capture's
// snaplen are delivered as they are, with Frame.Len giving the wire length
// (the parser then reports them as truncated). pcapng simple packet blocks
// carry no timestamp: they get the previous packet's time on that port.
// Memory follows the records read, whatever snaplen the file claims; a
// record above MaxRecord is an error naming the file and the record.
type PcapReader struct {
	ports   []*portReader
	pending int // port whose head was returned last and must be advanced
	err     error

	// mu guards the files against Interrupt and Close racing.
	mu    sync.Mutex
	cause atomic.Pointer[error] // set by Interrupt
}

// OpenPcaps opens one capture file per input port: paths[i] is port i.
// Errors name the file (and record). The caller must Close the reader.
func OpenPcaps(paths ...string) (*PcapReader, error) {
	if len(paths) == 0 {
		return nil, errors.New("soft: no capture files given")
	}
	if len(paths) > 1<<16 {
		return nil, fmt.Errorf("soft: %d capture files: more than the %d ports a maestro.Port can name", len(paths), 1<<16)
	}
	r := &PcapReader{pending: -1}
	for i, path := range paths {
		pr, err := openPort(path, maestro.Port(i))
		if err != nil {
			r.Close()
			return nil, err
		}
		r.ports = append(r.ports, pr)
		if err := pr.advance(); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

func openPort(path string, port maestro.Port) (*portReader, error) {
	f, err := os.Open(path)
	if err != nil {
		// The *PathError already names the file.
		return nil, err
	}
	pr := &portReader{path: path, port: port, f: f}
	fail := func(rec int, err error) (*portReader, error) {
		f.Close()
		return nil, &PcapError{File: path, Record: rec, Err: err}
	}
	// The magic is peeked, not read and sought back: a FIFO or a pipe
	// cannot seek.
	br := bufio.NewReaderSize(f, 1<<16)
	magic, err := br.Peek(4)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fail(0, fmt.Errorf("not a capture file: only %d bytes", len(magic)))
		}
		return fail(0, err)
	}
	switch m := binary.LittleEndian.Uint32(magic); {
	case m == magicPcapMicro || m == magicPcapMicroBE || m == magicPcapNano || m == magicPcapNanoBE,
		magic[0] == 0x1f && magic[1] == 0x8b:
		var in io.Reader = br
		if magic[0] == 0x1f {
			zr, err := gzip.NewReader(in)
			if err != nil {
				return fail(0, fmt.Errorf("bad gzip header: %w", err))
			}
			in = bufio.NewReaderSize(zr, 1<<16)
		}
		rd, err := newPcapReader(in)
		if err != nil {
			return fail(0, err)
		}
		pr.r = rd
	case m == magicPcapng:
		// pcapgo's NgReader reports a file cut in the middle of a block as a
		// clean end of file, so check the block structure first: a bad file
		// is then rejected before any of its packets is processed. That
		// takes a file that can be read twice.
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fail(0, fmt.Errorf("pcapng needs a regular file (its blocks are checked before the replay): %w", err))
		}
		patches, err := scanPcapng(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fail(0, err)
		}
		opts := pcapgo.DefaultNgReaderOptions
		opts.ErrorOnMismatchingLinkType = true
		rd, err := pcapgo.NewNgReader(bufio.NewReaderSize(&patchReader{r: f, patches: patches}, 1<<16), opts)
		if err != nil {
			return fail(0, fmt.Errorf("bad pcapng section header: %w", err))
		}
		pr.r = rd
		pr.ng = true
	default:
		return fail(0, fmt.Errorf("not a pcap or pcapng file (starts with %x)", magic))
	}
	if lt := pr.r.LinkType(); lt != layers.LinkTypeEthernet {
		return fail(0, fmt.Errorf("unsupported link type %v (%d): only Ethernet (1) is supported", lt, int(lt)))
	}
	return pr, nil
}

// advance reads the port's next record into head; at the end of the file it
// clears ok.
func (p *portReader) advance() error {
	p.ok = false
	if p.r == nil {
		return nil
	}
	data, ci, err := p.r.ZeroCopyReadPacketData()
	if err != nil {
		if err == io.EOF {
			p.r = nil
			return nil
		}
		if err == io.ErrUnexpectedEOF {
			err = ErrTruncated
		} else if err == pcapgo.ErrNgLinkTypeMismatch {
			err = errors.New("interfaces with different link types: only Ethernet is supported")
		}
		return &PcapError{File: p.path, Record: p.rec + 1, Err: err}
	}
	p.rec++
	t := p.last
	if !ci.Timestamp.IsZero() {
		t = ci.Timestamp.UnixNano()
		if p.rec > 1 && t < p.last {
			p.backwards++
		}
	}
	if ci.CaptureLength < ci.Length {
		p.truncated++
	}
	p.last = t
	p.head = Frame{Port: p.port, Time: t, Data: data, Len: ci.Length}
	p.ok = true
	return nil
}

// CaptureStats counts, for one port's capture file, the records read so far
// and those a replay cannot reproduce faithfully.
type CaptureStats struct {
	File    string
	Records int
	// Truncated counts records captured shorter than their wire length
	// (cut by the capture's snaplen): they are replayed as captured.
	Truncated int
	// Backwards counts records whose timestamp is earlier than the
	// previous record's in the same file: they are replayed in file
	// order, and Run processes each at the time of the frame before it,
	// so that time never goes back (Result.ClampedTimes).
	Backwards int
}

// Stats returns the capture statistics of every port, port i at index i.
func (r *PcapReader) Stats() []CaptureStats {
	st := make([]CaptureStats, len(r.ports))
	for i, p := range r.ports {
		st[i] = CaptureStats{File: p.path, Records: p.rec, Truncated: p.truncated, Backwards: p.backwards}
	}
	return st
}

// Ports returns the number of input files.
func (r *PcapReader) Ports() int { return len(r.ports) }

// Next returns the earliest pending frame of all ports, or io.EOF when every
// file is exhausted. The frame's data is valid until the next call.
func (r *PcapReader) Next() (Frame, error) {
	if r.err != nil {
		return Frame{}, r.err
	}
	// The frame returned last time lives in its reader's buffer, so that
	// reader is advanced only now that the caller is done with it.
	if r.pending >= 0 {
		if err := r.ports[r.pending].advance(); err != nil {
			if c := r.cause.Load(); c != nil {
				err = *c // the read failed because Interrupt stopped it
			}
			r.err = err
			return Frame{}, err
		}
		r.pending = -1
	}
	best := -1
	for i, p := range r.ports {
		if p.ok && (best < 0 || p.head.Time < r.ports[best].head.Time) {
			best = i
		}
	}
	if best < 0 {
		return Frame{}, io.EOF
	}
	r.pending = best
	return r.ports[best].head, nil
}

// Interrupt stops r's reads from another goroutine, so that a caller
// blocked in Next on a FIFO or a pipe whose writer has gone quiet gets
// control back: once a read of the underlying file would wait, Next returns
// cause (records already buffered are still returned first). It sets a
// read deadline in the past on every file; regular files, whose reads
// never wait for a writer, take none and read on to the end.
func (r *PcapReader) Interrupt(cause error) {
	r.cause.Store(&cause)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.ports {
		if p.f != nil {
			// Fails with os.ErrNoDeadline for regular files: nothing to stop.
			_ = p.f.SetReadDeadline(time.Unix(1, 0))
		}
	}
}

// Drain interrupts r (Interrupt) and reports whether one of its files is a
// FIFO or a pipe, whose records already read are then returned before
// cause rather than lost (Drainer). Regular files are not drained: a
// stopped run leaves their unread records where they are.
func (r *PcapReader) Drain(cause error) bool {
	r.Interrupt(cause)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.ports {
		if p.f == nil {
			continue
		}
		if fi, err := p.f.Stat(); err == nil && !fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// Close closes every file.
func (r *PcapReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var first error
	for _, p := range r.ports {
		if p.f != nil {
			if err := p.f.Close(); err != nil && first == nil {
				first = err
			}
			p.f = nil
		}
	}
	return first
}

// ReadTrace reads and merges the capture files (paths[i] is port i) into an
// in-memory Trace.
func ReadTrace(paths ...string) (*Trace, error) {
	r, err := OpenPcaps(paths...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ReadAll(r)
}

// patch replaces the byte at offset off of a file with b.
type patch struct {
	off int64
	b   byte
}

// patchReader reads r, replacing the bytes that patches (sorted by offset)
// name.
type patchReader struct {
	r       io.Reader
	pos     int64
	patches []patch
}

// Read reads from the underlying reader and applies the patches that fall
// in what was read.
func (p *patchReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	end := p.pos + int64(n)
	for len(p.patches) > 0 && p.patches[0].off < end {
		if q := p.patches[0]; q.off >= p.pos {
			b[q.off-p.pos] = q.b
		}
		p.patches = p.patches[1:]
	}
	p.pos = end
	return n, err
}

// scanPcapng walks the block structure of a pcapng file and reports the
// first block that is cut short, whose lengths are inconsistent or whose
// packet is larger than MaxRecord. It returns the byte patches that clamp
// every interface's snaplen to MaxRecord: pcapgo's NgReader allocates a
// buffer of the interface's snaplen, which a hostile file sets to 4 GiB.
func scanPcapng(f *os.File) ([]patch, error) {
	var patches []patch
	snap0 := int64(-1) // the first interface's snaplen (0: unlimited)
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	br := bufio.NewReaderSize(f, 1<<16)
	var order binary.ByteOrder = binary.LittleEndian
	var off int64
	rec := 0 // packet records seen so far
	var hdr [28]byte
	for off < size {
		bad := func(format string, args ...any) error {
			e := &PcapError{File: f.Name(), Err: fmt.Errorf("block at offset %d: "+format, append([]any{off}, args...)...)}
			e.Record = rec + 1
			return e
		}
		if size-off < 12 {
			return nil, &PcapError{File: f.Name(), Record: rec + 1, Err: fmt.Errorf("%w (%d stray bytes at offset %d)", ErrTruncated, size-off, off)}
		}
		if _, err := io.ReadFull(br, hdr[:12]); err != nil {
			return nil, &PcapError{File: f.Name(), Record: rec + 1, Err: err}
		}
		typ := binary.LittleEndian.Uint32(hdr[0:4])
		if typ == magicPcapng {
			switch bom := hdr[8:12]; {
			case binary.LittleEndian.Uint32(bom) == 0x1a2b3c4d:
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(bom) == 0x1a2b3c4d:
				order = binary.BigEndian
			default:
				return nil, bad("bad byte-order magic %x in section header", bom)
			}
		} else {
			typ = order.Uint32(hdr[0:4])
		}
		length := int64(order.Uint32(hdr[4:8]))
		if length < 12 || length%4 != 0 {
			return nil, bad("invalid block length %d", length)
		}
		if off+length > size {
			return nil, bad("%w: the block needs %d bytes, the file has %d left", ErrTruncated, length, size-off)
		}
		consumed := int64(12)
		switch typ {
		case 2, 6: // (obsolete) packet block, enhanced packet block
			if length < 32 {
				return nil, bad("packet block length %d too short", length)
			}
			if _, err := io.ReadFull(br, hdr[12:28]); err != nil {
				return nil, &PcapError{File: f.Name(), Record: rec + 1, Err: err}
			}
			consumed = 28
			caplen, wire := int64(order.Uint32(hdr[20:24])), int64(order.Uint32(hdr[24:28]))
			if caplen > length-32 {
				return nil, bad("captured length %d does not fit in a block of %d bytes", caplen, length)
			}
			if caplen > wire {
				return nil, bad("captured length %d exceeds the packet length %d", caplen, wire)
			}
			if caplen > MaxRecord {
				return nil, bad("%w: captured length %d", ErrRecordTooLarge, caplen)
			}
			rec++
		case 3: // simple packet block: its original length follows the block length
			if length < 16 {
				return nil, bad("simple packet block length %d too short", length)
			}
			caplen := int64(order.Uint32(hdr[8:12]))
			if snap0 > 0 {
				caplen = min(caplen, snap0)
			}
			if caplen > MaxRecord {
				return nil, bad("%w: captured length %d", ErrRecordTooLarge, caplen)
			}
			if caplen > length-16 {
				return nil, bad("packet length %d does not fit in a simple packet block of %d bytes", caplen, length)
			}
			rec++
		case 1: // interface description block: link type, reserved, snaplen
			if length < 20 {
				return nil, bad("interface description block length %d too short", length)
			}
			if _, err := io.ReadFull(br, hdr[12:16]); err != nil {
				return nil, &PcapError{File: f.Name(), Record: rec + 1, Err: err}
			}
			consumed = 16
			snap := int64(order.Uint32(hdr[12:16]))
			if snap0 < 0 {
				snap0 = snap
			}
			if snap > MaxRecord {
				var clamped [4]byte
				order.PutUint32(clamped[:], MaxRecord)
				for i, c := range clamped {
					patches = append(patches, patch{off: off + 12 + int64(i), b: c})
				}
			}
		}
		if _, err := br.Discard(int(length - consumed)); err != nil {
			return nil, &PcapError{File: f.Name(), Record: rec, Err: err}
		}
		off += length
	}
	return patches, nil
}

// pcapRecordReader reads the records of a classic pcap file. Unlike
// pcapgo.Reader, which allocates a buffer of the header's snaplen up front
// (4 GiB for a header that claims 0xffffffff), it sizes its buffer by the
// records it reads, and rejects records above MaxRecord.
type pcapRecordReader struct {
	r     io.Reader
	order binary.ByteOrder
	nanos bool
	buf   []byte
	hdr   [16]byte
}

// newPcapReader reads the 24-byte file header from r.
func newPcapReader(r io.Reader) (*pcapRecordReader, error) {
	var h [24]byte
	if n, err := io.ReadFull(r, h[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("bad pcap file header: %w (%d of 24 bytes)", ErrTruncated, n)
		}
		return nil, fmt.Errorf("bad pcap file header: %w", err)
	}
	p := &pcapRecordReader{r: r}
	switch binary.LittleEndian.Uint32(h[0:4]) {
	case magicPcapMicro:
		p.order = binary.LittleEndian
	case magicPcapMicroBE:
		p.order = binary.BigEndian
	case magicPcapNano:
		p.order, p.nanos = binary.LittleEndian, true
	case magicPcapNanoBE:
		p.order, p.nanos = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("bad pcap file header: magic %x", h[0:4])
	}
	if v := p.order.Uint16(h[4:6]); v != 2 {
		return nil, fmt.Errorf("bad pcap file header: version %d.%d, want 2.x", v, p.order.Uint16(h[6:8]))
	}
	p.hdr = [16]byte{}
	copy(p.hdr[:4], h[20:24]) // link type, kept until LinkType is asked
	return p, nil
}

// LinkType returns the file's link type. It is only valid before the first
// record is read.
func (p *pcapRecordReader) LinkType() layers.LinkType {
	// The FCS bits and the rest of the upper half are not part of the type.
	return layers.LinkType(p.order.Uint32(p.hdr[:4]) & 0xffff)
}

// ZeroCopyReadPacketData reads the next record. It returns io.EOF (and a
// zero CaptureLength) at a clean end of file, ErrTruncated for a record cut
// short and ErrRecordTooLarge for a record above MaxRecord. The data is
// valid until the next call.
func (p *pcapRecordReader) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	var ci gopacket.CaptureInfo
	if n, err := io.ReadFull(p.r, p.hdr[:]); err != nil {
		if err == io.EOF {
			return nil, ci, io.EOF
		}
		if err == io.ErrUnexpectedEOF {
			return nil, ci, fmt.Errorf("%w (record header has %d of 16 bytes)", ErrTruncated, n)
		}
		return nil, ci, err
	}
	sec, frac := int64(p.order.Uint32(p.hdr[0:4])), int64(p.order.Uint32(p.hdr[4:8]))
	caplen, wire := p.order.Uint32(p.hdr[8:12]), p.order.Uint32(p.hdr[12:16])
	if !p.nanos {
		frac *= 1000
	}
	ci.Timestamp = time.Unix(sec, frac).UTC()
	if caplen > MaxRecord {
		return nil, ci, fmt.Errorf("%w: captured length %d", ErrRecordTooLarge, caplen)
	}
	if caplen > wire {
		return nil, ci, fmt.Errorf("captured length %d exceeds the packet length %d", caplen, wire)
	}
	ci.CaptureLength, ci.Length = int(caplen), int(min(wire, 1<<31-1))
	if int(caplen) > cap(p.buf) {
		p.buf = make([]byte, max(int(caplen), 2*cap(p.buf)))
	}
	data := p.buf[:caplen]
	if n, err := io.ReadFull(p.r, data); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, ci, fmt.Errorf("%w (record data has %d of %d bytes)", ErrTruncated, n, caplen)
		}
		return nil, ci, err
	}
	return data, ci, nil
}
