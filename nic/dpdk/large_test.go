//go:build dpdk

package dpdk

import (
	"bytes"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
)

// bigFrame returns a UDP frame of size bytes whose payload is a pattern
// that a truncation or a misplaced segment changes.
func bigFrame(id uint16, size int) []byte {
	f := maestro.AppendFrame(nil, maestro.Frame{
		EthSrc: maestro.MAC{2, 0, 0, 0, 0, 0}, SrcIP: 0x0a000001, DstIP: 0x0b000001,
		Proto: maestro.ProtoUDP, SrcPort: id, DstPort: 53, Size: 60,
	})
	for len(f) < size {
		f = append(f, byte(len(f)*7+len(f)>>8))
	}
	return f
}

// markLast forwards every frame to the other port after inverting its last
// byte, so the output shows that the NF saw (and could change) the whole
// frame.
func markLast(p *maestro.Packet) maestro.Verdict {
	p.Data[len(p.Data)-1] ^= 0xff
	return maestro.Forward(1 - p.InPort)
}

// Frames that net_pcap delivers as chained mbufs (anything above about
// 2 KiB) reach the NF whole and leave as the NF left them (net_pcap alone
// would cut them to 16,128 bytes); records above MaxFrame (which net_pcap
// would cut, or crash on) are refused one by one and counted. Run on one
// core (ports merged by capture time, or read in turns) and with software
// dispatch.
func TestLargeFrames(t *testing.T) {
	inChild(t, func(t *testing.T) {
		sizes := []int{64, 1514, 2048, 3000, 9000, 16128, 16129, 30000, 65535, 65536, 67583, 67584, 70000, 131072, 300000, 64}
		var in0 [][]byte
		var want [][]byte
		refused := 0
		for i, n := range sizes {
			f := bigFrame(uint16(1000+i), n)
			in0 = append(in0, f)
			if n > MaxFrame {
				refused++
				continue
			}
			w := bytes.Clone(f)
			w[len(w)-1] ^= 0xff
			want = append(want, w)
		}
		box := newPcapBox(t, 2)
		writeInputs(t, box.dir, [][][]byte{in0, nil})
		// With the wall clock, the one worker reads the ports in turns and
		// describes a burst only when it finds a chained mbuf in it.
		for _, cfg := range []Config{{Cores: 1}, {Cores: 1, WallClock: true}, {Cores: 2, Dispatch: func(*maestro.Packet) int { return 1 }}} {
			res, out := box.run(t, cfg, fwdProc{cfg.Cores, markLast})
			if len(out[1]) != len(want) {
				t.Errorf("%d cores: %d frames out, want %d", cfg.Cores, len(out[1]), len(want))
			}
			for i := range min(len(out[1]), len(want)) {
				if !bytes.Equal(out[1][i], want[i]) {
					t.Errorf("%d cores: frame %d: %d bytes out, want %d bytes with the last inverted", cfg.Cores, i, len(out[1][i]), len(want[i]))
				}
			}
			ps := res.Stats.Ports[0]
			if ps.Refused != uint64(refused) || ps.RX != uint64(len(want)) || ps.Missed < uint64(refused) || ps.TXFailed != 0 {
				t.Errorf("%d cores: port 0 stats %+v, want %d refused and %d received", cfg.Cores, ps, refused, len(want))
			}
			if !hasNote(res, "record(s) of "+box.dir) {
				t.Errorf("%d cores: notes %q do not name the input file", cfg.Cores, res.Notes)
			}
		}
	})
}
