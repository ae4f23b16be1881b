package soft

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

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

// maxSnaplen bounds the capture length we accept for one record: libpcap's
// MAXIMUM_SNAPLEN. pcapgo rejects records longer than the file header's
// snaplen, which some writers get wrong; tcpdump and Wireshark ignore it, so
// we raise it to this, which still stops a corrupt length from making us
// allocate gigabytes.
const maxSnaplen = 262144

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
type PcapReader struct {
	ports   []*portReader
	pending int // port whose head was returned last and must be advanced
	err     error
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
	var magic [4]byte
	if n, err := io.ReadFull(f, magic[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fail(0, fmt.Errorf("not a capture file: only %d bytes", n))
		}
		return fail(0, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(0, err)
	}
	switch m := binary.LittleEndian.Uint32(magic[:]); {
	case m == magicPcapMicro || m == magicPcapMicroBE || m == magicPcapNano || m == magicPcapNanoBE,
		magic[0] == 0x1f && magic[1] == 0x8b: // gzip: pcapgo decompresses pcap transparently
		rd, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = ErrTruncated
			}
			return fail(0, fmt.Errorf("bad pcap file header: %w", err))
		}
		if rd.Snaplen() < maxSnaplen {
			rd.SetSnaplen(maxSnaplen)
		}
		pr.r = rd
	case m == magicPcapng:
		// pcapgo's NgReader reports a file cut in the middle of a block as a
		// clean end of file, so check the block structure first: a bad file
		// is then rejected before any of its packets is processed.
		if err := scanPcapng(f); err != nil {
			f.Close()
			return nil, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fail(0, err)
		}
		opts := pcapgo.DefaultNgReaderOptions
		opts.ErrorOnMismatchingLinkType = true
		rd, err := pcapgo.NewNgReader(bufio.NewReaderSize(f, 1<<16), opts)
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
		// pcapgo's pcap reader returns io.EOF both at a clean end and when
		// a record's data is missing entirely; the header it did read tells
		// them apart.
		if err == io.EOF && ci.CaptureLength == 0 {
			p.r = nil
			return nil
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
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
	}
	p.last = t
	p.head = Frame{Port: p.port, Time: t, Data: data, Len: ci.Length}
	p.ok = true
	return nil
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

// Close closes every file.
func (r *PcapReader) Close() error {
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

// scanPcapng walks the block structure of a pcapng file and reports the
// first block that is cut short or whose lengths are inconsistent.
func scanPcapng(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
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
			return &PcapError{File: f.Name(), Record: rec + 1, Err: fmt.Errorf("%w (%d stray bytes at offset %d)", ErrTruncated, size-off, off)}
		}
		if _, err := io.ReadFull(br, hdr[:12]); err != nil {
			return &PcapError{File: f.Name(), Record: rec + 1, Err: err}
		}
		typ := binary.LittleEndian.Uint32(hdr[0:4])
		if typ == magicPcapng {
			switch bom := hdr[8:12]; {
			case binary.LittleEndian.Uint32(bom) == 0x1a2b3c4d:
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(bom) == 0x1a2b3c4d:
				order = binary.BigEndian
			default:
				return bad("bad byte-order magic %x in section header", bom)
			}
		} else {
			typ = order.Uint32(hdr[0:4])
		}
		length := int64(order.Uint32(hdr[4:8]))
		if length < 12 || length%4 != 0 {
			return bad("invalid block length %d", length)
		}
		if off+length > size {
			return bad("%w: the block needs %d bytes, the file has %d left", ErrTruncated, length, size-off)
		}
		consumed := int64(12)
		switch typ {
		case 2, 6: // (obsolete) packet block, enhanced packet block
			if length < 32 {
				return bad("packet block length %d too short", length)
			}
			if _, err := io.ReadFull(br, hdr[12:28]); err != nil {
				return &PcapError{File: f.Name(), Record: rec + 1, Err: err}
			}
			consumed = 28
			caplen, wire := int64(order.Uint32(hdr[20:24])), int64(order.Uint32(hdr[24:28]))
			if caplen > length-32 {
				return bad("captured length %d does not fit in a block of %d bytes", caplen, length)
			}
			if caplen > wire {
				return bad("captured length %d exceeds the packet length %d", caplen, wire)
			}
			rec++
		case 3: // simple packet block
			rec++
		}
		if _, err := br.Discard(int(length - consumed)); err != nil {
			return &PcapError{File: f.Name(), Record: rec, Err: err}
		}
		off += length
	}
	return nil
}
