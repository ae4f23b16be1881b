//go:build dpdk

package dpdk

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// pcapRecordLimit is the longest record DPDK 22.11's net_pcap reads
// correctly: it keeps the length of a frame that spans several mbufs in a
// uint16_t, so longer records come out cut short or crash the worker that
// reads them. It equals MaxFrame, which needs cgo to be seen.
const pcapRecordLimit = 65535

// oversizeScan reports the records of the classic pcap file path whose
// captured length exceeds limit, as 1-based record numbers. It returns
// ok == false, without error, for a file that is not a classic pcap; for a
// pcapng file with such a record, which it cannot leave out, it returns an
// error naming the record.
func oversizeScan(path string, limit uint32) (records []int, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if magic, err := br.Peek(4); err == nil && binary.LittleEndian.Uint32(magic) == 0x0a0d0d0a {
		return nil, false, pcapngOversize(br, path, limit)
	}
	order, ok, err := pcapOrder(br)
	if !ok || err != nil {
		return nil, false, err
	}
	var hdr [16]byte
	for rec := 1; ; rec++ {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			// A cut record is net_pcap's to report; stop here.
			return records, true, nil
		}
		caplen := order.Uint32(hdr[8:12])
		if caplen > limit {
			records = append(records, rec)
		}
		if _, err := br.Discard(int(caplen)); err != nil {
			return records, true, nil
		}
	}
}

// pcapngOversize walks the blocks of a pcapng file and returns an error
// for the first packet above limit. A malformed file is left to net_pcap.
func pcapngOversize(br *bufio.Reader, path string, limit uint32) error {
	var order binary.ByteOrder = binary.LittleEndian
	var h [12]byte
	rec := 0
	for {
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return nil
		}
		typ := binary.LittleEndian.Uint32(h[0:4])
		if typ == 0x0a0d0d0a {
			if binary.BigEndian.Uint32(h[8:12]) == 0x1a2b3c4d {
				order = binary.BigEndian
			} else {
				order = binary.LittleEndian
			}
		} else {
			typ = order.Uint32(h[0:4])
		}
		length := order.Uint32(h[4:8])
		if length < 12 {
			return nil
		}
		left := int(length) - 12
		var caplen uint32
		switch typ {
		case 6, 2: // enhanced and obsolete packet blocks: caplen at offset 20
			var b [12]byte
			if left < 12 {
				return nil
			}
			if _, err := io.ReadFull(br, b[:]); err != nil {
				return nil
			}
			left -= 12
			rec++
			caplen = order.Uint32(b[8:12])
		case 3: // simple packet block: its length at offset 8
			rec++
			caplen = order.Uint32(h[8:12])
		}
		if caplen > limit {
			return fmt.Errorf("%s: record %d has %d bytes, more than the %d that net_pcap can read; convert the file to pcap to have such records left out and counted",
				path, rec, caplen, limit)
		}
		if _, err := br.Discard(left); err != nil {
			return nil
		}
	}
}

// pcapOrder reads a classic pcap file header from br and returns the
// file's byte order, or ok == false if it is not one.
func pcapOrder(br *bufio.Reader) (order binary.ByteOrder, ok bool, err error) {
	var h [24]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, nil
		}
		return nil, false, err
	}
	switch binary.LittleEndian.Uint32(h[:4]) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		return binary.LittleEndian, true, nil
	case 0xd4c3b2a1, 0x4d3cb2a1:
		return binary.BigEndian, true, nil
	}
	return nil, false, nil
}

// copyWithout copies the classic pcap file src to dst without the records
// whose captured length exceeds limit.
func copyWithout(src, dst string, limit uint32) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(in, 1<<16)
	bw := bufio.NewWriterSize(out, 1<<16)
	head, err := br.Peek(24)
	if err != nil {
		out.Close()
		return err
	}
	bw.Write(head)
	order, _, err := pcapOrder(br)
	if err != nil {
		out.Close()
		return err
	}
	var hdr [16]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			break
		}
		caplen := order.Uint32(hdr[8:12])
		if caplen > limit {
			if _, err := br.Discard(int(caplen)); err != nil {
				break
			}
			continue
		}
		bw.Write(hdr[:])
		if _, err := io.CopyN(bw, br, int64(caplen)); err != nil {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// oversize is the outcome of dropOversize for one device.
type oversize struct {
	file    string // the original input file
	records []int  // its records that were left out
}

// dropOversize protects net_pcap from records it cannot read: for every
// net_pcap vdev of eal whose rx_pcap (a classic pcap) has records above
// pcapRecordLimit, it writes a copy without them into dir and points the
// vdev at the copy. It returns the rewritten arguments and, by device
// name, what was left out; Run counts those records as refused on their
// port, one by one, instead of letting the driver crash or cut them.
func dropOversize(eal []string, dir string) ([]string, map[string]oversize, error) {
	out := make([]string, len(eal))
	copy(out, eal)
	found := map[string]oversize{}
	for i := 0; i < len(out); i++ {
		a := out[i]
		idx, spec := i, ""
		switch {
		case strings.HasPrefix(a, "--vdev="):
			spec = strings.TrimPrefix(a, "--vdev=")
		case a == "--vdev" && i+1 < len(out):
			i++
			idx, spec = i, out[i]
		default:
			continue
		}
		parts := strings.Split(spec, ",")
		if !strings.HasPrefix(parts[0], "net_pcap") && !strings.HasPrefix(parts[0], "eth_pcap") {
			continue
		}
		changed := false
		for j, p := range parts[1:] {
			k, file, _ := strings.Cut(p, "=")
			if k != "rx_pcap" {
				continue
			}
			recs, ok, err := oversizeScan(file, pcapRecordLimit)
			if err != nil {
				return nil, nil, fmt.Errorf("dpdk: --vdev %s: input file: %w", parts[0], err)
			}
			if !ok || len(recs) == 0 {
				continue
			}
			dst := filepath.Join(dir, fmt.Sprintf("%s-%d.pcap", parts[0], j))
			if err := copyWithout(file, dst, pcapRecordLimit); err != nil {
				return nil, nil, fmt.Errorf("dpdk: --vdev %s: copying %s without its records above %d bytes: %w", parts[0], file, pcapRecordLimit, err)
			}
			parts[1+j] = "rx_pcap=" + dst
			found[parts[0]] = oversize{file: file, records: recs}
			changed = true
		}
		if changed {
			spec = strings.Join(parts, ",")
			if idx == i && strings.HasPrefix(out[idx], "--vdev=") {
				out[idx] = "--vdev=" + spec
			} else {
				out[idx] = spec
			}
		}
	}
	return out, found, nil
}
