//go:build linux

package xdp

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// needBPF skips the test when the kernel refuses to load BPF programs here
// (not root, no CAP_BPF), with the kernel's reason.
func needBPF(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("loading XDP programs needs root (CAP_BPF, CAP_NET_ADMIN)")
	}
}

// frameKind is a shape of frame the steering program must classify exactly
// as maestro.Packet does.
type frameKind int

const (
	kindTCP frameKind = iota
	kindUDP
	kindICMP
	kindFragment
	kindVLANTCP
	kindTruncTCP   // TCP with a data offset beyond the segment: 2-tuple
	kindBadTotal   // total length beyond the frame: not IPv4
	kindARP        // not IPv4
	kindIHLOptions // TCP behind a 24-byte IPv4 header
	kindShortUDP   // UDP segment of 4 bytes: 2-tuple
	numKinds
)

// buildFrame returns a frame of kind k with the given tuple.
func buildFrame(k frameKind, src, dst uint32, sp, dp uint16, r *rand.Rand) []byte {
	f := make([]byte, 0, 128)
	f = append(f, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2)
	if k == kindVLANTCP {
		f = append(f, 0x81, 0x00, 0x00, byte(r.IntN(256)))
	}
	if k == kindARP {
		f = append(f, 0x08, 0x06)
		return append(f, make([]byte, 28)...)
	}
	f = append(f, 0x08, 0x00)
	l3 := len(f)
	ihl := 20
	if k == kindIHLOptions {
		ihl = 24
	}
	proto := byte(6)
	l4len := 20
	switch k {
	case kindUDP:
		proto, l4len = 17, 8
	case kindShortUDP:
		proto, l4len = 17, 4
	case kindICMP:
		proto, l4len = 1, 8
	}
	payload := r.IntN(16)
	total := ihl + l4len + payload
	ip := make([]byte, ihl)
	ip[0] = 0x40 | byte(ihl/4)
	binary.BigEndian.PutUint16(ip[2:], uint16(total))
	ip[8] = 64
	ip[9] = proto
	if r.IntN(2) == 0 {
		ip[6] = 0x40 // DF: not a fragment
	}
	if k == kindFragment {
		switch r.IntN(3) {
		case 0: // first fragment: MF, offset 0
			ip[6] |= 0x20
		case 1: // last fragment: offset only
			binary.BigEndian.PutUint16(ip[6:], 1+uint16(r.IntN(0x1fff)))
		default:
			binary.BigEndian.PutUint16(ip[6:], 0x2000|uint16(r.IntN(0x2000)))
		}
	}
	if k == kindBadTotal {
		binary.BigEndian.PutUint16(ip[2:], uint16(total+1+r.IntN(100)))
	}
	binary.BigEndian.PutUint32(ip[12:], src)
	binary.BigEndian.PutUint32(ip[16:], dst)
	f = append(f, ip...)
	l4 := make([]byte, l4len+payload)
	if l4len >= 4 {
		binary.BigEndian.PutUint16(l4[0:], sp)
		binary.BigEndian.PutUint16(l4[2:], dp)
	}
	if proto == 6 {
		l4[12] = 5 << 4
		if k == kindTruncTCP {
			l4[12] = byte(6+r.IntN(10)) << 4 // 24..60 bytes: beyond 20+payload at times
			if int(l4[12]>>4)*4 <= l4len+payload {
				l4[12] = 15 << 4
			}
		}
	}
	_ = l3
	return append(f, l4...)
}

// TestSteeringMatchesRSS runs the steering program with BPF_PROG_TEST_RUN on
// 100,000 random frames per hash-field set and checks that the hash and the
// worker it writes into the metadata are the ones nic/rss and the software
// backend's RSSDispatcher compute for the same frame.
func TestSteeringMatchesRSS(t *testing.T) {
	needBPF(t)
	n := 100_000
	if testing.Short() {
		n = 5_000
	}
	fieldSets := []rss.HashFields{
		rss.HashIPv4All,
		rss.HashIPv4TCP | rss.HashIPv4UDP,
		rss.HashIPv4,
		rss.HashIPv4TCP | rss.HashIPv4,
		rss.HashIPv4UDP,
		// Field selection (the *Only flags): the input is the selected
		// fields concatenated, so a byte's window depends on the selection.
		rss.HashIPv4All | rss.HashL3SrcOnly,
		rss.HashIPv4All | rss.HashL3DstOnly,
		rss.HashIPv4All | rss.HashL4DstOnly,
		rss.HashIPv4All | rss.HashL3SrcOnly | rss.HashL4SrcOnly,
		rss.HashIPv4All | rss.HashL3DstOnly | rss.HashL4DstOnly,
		rss.HashIPv4TCP | rss.HashIPv4 | rss.HashL3DstOnly | rss.HashL4SrcOnly,
	}
	for fi, fields := range fieldSets {
		t.Run(fields.String(), func(t *testing.T) {
			// Each selection runs on its own frames and program, in
			// parallel with the others (a syscall per frame).
			t.Parallel()
			r := rand.New(rand.NewPCG(17, uint64(fi)))
			const cores = 5
			key := make([]byte, 40+12*r.IntN(2))
			for i := range key {
				key[i] = byte(r.IntN(256))
			}
			reta := make([]uint16, 128<<r.IntN(3))
			for i := range reta {
				reta[i] = uint16(r.IntN(cores))
			}
			cfg := rss.Config{Port: 0, Key: key, Fields: fields, RETA: reta, Default: true}
			if err := cfg.Prepare(); err != nil {
				t.Fatal(err)
			}
			disp, err := soft.RSSDispatcher(cfg)
			if err != nil {
				t.Fatal(err)
			}
			s, err := newSteering(&cfg, cores, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			out := make([]byte, 256)
			var pkt maestro.Packet
			kinds := make([]int, numKinds)
			for i := range n {
				k := frameKind(r.IntN(int(numKinds)))
				kinds[k]++
				frame := buildFrame(k, r.Uint32(), r.Uint32(), uint16(r.Uint32()), uint16(r.Uint32()), r)
				opts := ebpf.RunOptions{Data: frame, DataOut: out}
				ret, err := s.prog.Run(&opts)
				if err != nil {
					t.Fatalf("BPF_PROG_TEST_RUN: %v", err)
				}
				if ret != xdpDrop { // no socket in the XSKMAP: the redirect's fallback
					t.Fatalf("frame %d: program returned %d, want XDP_DROP (%d) from the empty XSKMAP", i, ret, xdpDrop)
				}
				if len(opts.DataOut) != len(frame)+MetaLen {
					t.Fatalf("frame %d: %d bytes out for %d in: metadata missing", i, len(opts.DataOut), len(frame))
				}
				gotHash := binary.NativeEndian.Uint32(opts.DataOut[0:])
				gotWorker := int(binary.NativeEndian.Uint32(opts.DataOut[4:]))
				pkt.Reset(frame, 0, 0)
				var wantHash uint32
				switch {
				case !pkt.IsIPv4():
				case pkt.HasPorts() && fields.HashesPorts(pkt.Proto):
					wantHash = cfg.Hash(pkt.SrcIP, pkt.DstIP, pkt.SrcPort, pkt.DstPort, true)
				case fields&rss.HashIPv4 != 0:
					wantHash = cfg.Hash(pkt.SrcIP, pkt.DstIP, 0, 0, false)
				}
				wantWorker := disp(&pkt)
				if gotHash != wantHash || gotWorker != wantWorker {
					t.Fatalf("frame %d (kind %d, %x): eBPF hash %#08x worker %d, nic/rss hash %#08x worker %d",
						i, k, frame, gotHash, gotWorker, wantHash, wantWorker)
				}
			}
			for k, c := range kinds {
				if c == 0 {
					t.Errorf("no frame of kind %d generated", k)
				}
			}
		})
	}
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
