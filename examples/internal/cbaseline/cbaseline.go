// Package cbaseline holds the C baseline of the FW: fw.c, a firewall in the
// style of libVig (Vigor's verified NF library), and what runs it side by
// side with the Go FW on identical frames: a trace format both read, the
// build of the C program with gcc, and the Go workers that time their loop
// the same way the C program does (process CPU time around the processing
// loop over frames already in memory).
package cbaseline

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/nfmaestro/maestro/maestro"
)

//go:embed csrc/fw.c
var fwSource []byte

// ErrNoGCC is Build's error when no gcc is in PATH.
var ErrNoGCC = errors.New("gcc not found in PATH: the C baseline is built with gcc (Debian: apt-get install gcc)")

// Build compiles fw.c with gcc -O2 -march=native into dir and returns the
// path of the program.
func Build(dir string) (string, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", ErrNoGCC
	}
	src := filepath.Join(dir, "fw.c")
	if err := os.WriteFile(src, fwSource, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "fwc")
	out, err := exec.Command(gcc, "-O2", "-march=native", "-o", bin, src).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("gcc: %v\n%s", err, out)
	}
	return bin, nil
}

// Packet is one packet of a trace.
type Packet struct {
	Frame []byte
	Port  maestro.Port
	Time  int64
}

// The trace file: "MFWT", the packet count (uint32), then for each packet
// its frame length (uint16), port (uint8), a zero byte, its time (int64)
// and the frame; little endian.
const (
	traceMagic = "MFWT"
	recordHdr  = 12
)

// WriteTrace writes pkts in the trace format fw.c reads.
func WriteTrace(w io.Writer, pkts []Packet) error {
	var hdr [8]byte
	copy(hdr[:], traceMagic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(len(pkts)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	var rec [recordHdr]byte
	for i, p := range pkts {
		if len(p.Frame) > 0xffff || p.Port > 0xff {
			return fmt.Errorf("packet %d: frame of %d bytes on port %d does not fit the trace format", i, len(p.Frame), p.Port)
		}
		binary.LittleEndian.PutUint16(rec[0:], uint16(len(p.Frame)))
		rec[2], rec[3] = byte(p.Port), 0
		binary.LittleEndian.PutUint64(rec[4:], uint64(p.Time))
		if _, err := w.Write(rec[:]); err != nil {
			return err
		}
		if _, err := w.Write(p.Frame); err != nil {
			return err
		}
	}
	return nil
}

// ReadTrace parses a trace; the frames alias data.
func ReadTrace(data []byte) ([]Packet, error) {
	if len(data) < 8 || string(data[:4]) != traceMagic {
		return nil, errors.New("not a trace (bad header)")
	}
	n := int(binary.LittleEndian.Uint32(data[4:]))
	// Every record takes at least recordHdr bytes: bound the allocation
	// by the data before trusting the count.
	if n > (len(data)-8)/recordHdr {
		return nil, fmt.Errorf("trace announces %d packets but holds at most %d", n, (len(data)-8)/recordHdr)
	}
	pkts := make([]Packet, n)
	off := 8
	for i := range pkts {
		if len(data)-off < recordHdr {
			return nil, fmt.Errorf("packet %d: truncated record", i)
		}
		l := int(binary.LittleEndian.Uint16(data[off:]))
		pkts[i].Port = maestro.Port(data[off+2])
		pkts[i].Time = int64(binary.LittleEndian.Uint64(data[off+4:]))
		off += recordHdr
		if len(data)-off < l {
			return nil, fmt.Errorf("packet %d: truncated frame", i)
		}
		pkts[i].Frame = data[off : off+l : off+l]
		off += l
	}
	return pkts, nil
}

// FlowTrace returns the comparison trace: packets frames over flows random
// 5-tuples (TCP and UDP alternately), in rounds of uniformly random order.
// Each packet is the flow's LAN packet (port 0) or, with probability 1/2,
// its reply from the WAN (port 1, addresses and ports swapped); replies of
// flows the LAN has not opened yet are dropped. Frames are 60-byte valid
// IPv4 frames (checksums and total length correct), 100 ns apart. The seed
// fixes the trace.
func FlowTrace(flows, packets int, seed uint64) []Packet {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	type tuple struct {
		src, dst     uint32
		sport, dport uint16
		proto        uint8
	}
	fs := make([]tuple, flows)
	for i := range fs {
		proto := maestro.ProtoUDP
		if i%2 == 1 {
			proto = maestro.ProtoTCP
		}
		fs[i] = tuple{r.Uint32(), r.Uint32(), uint16(r.Uint32()), uint16(r.Uint32()), proto}
	}
	pkts := make([]Packet, 0, packets)
	buf := make([]byte, 0, packets*60)
	for len(pkts) < packets {
		for _, j := range r.Perm(flows) {
			if len(pkts) == packets {
				break
			}
			t := fs[j]
			f := maestro.Frame{SrcIP: t.src, DstIP: t.dst, SrcPort: t.sport, DstPort: t.dport, Proto: t.proto, Size: 60}
			port := maestro.Port(0)
			if r.IntN(2) == 0 {
				f.SrcIP, f.DstIP, f.SrcPort, f.DstPort = t.dst, t.src, t.dport, t.sport
				port = 1
			}
			start := len(buf)
			buf = maestro.AppendFrame(buf, f)
			pkts = append(pkts, Packet{Frame: buf[start:len(buf):len(buf)], Port: port, Time: int64(len(pkts)) * 100})
		}
	}
	return pkts
}
