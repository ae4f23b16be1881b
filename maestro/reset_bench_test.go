package maestro

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkReset parses one frame of each common shape into a reused
// Packet: what every backend pays per packet before the NF runs. "zero" is
// the 64-byte all-zero frame net_null delivers (EtherType 0, parsing stops
// after the Ethernet header), as on the DPDK NOP benchmark. Besides wall
// time it reports the thread's CPU time per parse (cpu-ns/op), which the
// other tenants of a shared machine disturb less.
func BenchmarkReset(b *testing.B) {
	for _, c := range []struct {
		name  string
		frame []byte
	}{
		{"tcp", AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, SrcIP: 1, DstIP: 2, Proto: ProtoTCP, SrcPort: 3, DstPort: 4, Size: 64})},
		{"udp", AppendFrame(nil, udpFrame())},
		{"icmp", AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, SrcIP: 1, DstIP: 2, Proto: ProtoICMP, Size: 64})},
		{"zero", make([]byte, 64)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var p Packet
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			cpu := threadCPU()
			for b.Loop() {
				p.Reset(c.frame, 1, 2)
			}
			if cpu >= 0 {
				b.ReportMetric(float64(threadCPU()-cpu)/float64(b.N), "cpu-ns/op")
			}
			if p.Len() != len(c.frame) {
				b.Fatal("frame not kept")
			}
		})
	}
	// "mix": TCP and UDP frames in random order, as on a real link, where
	// a parse that branches on the protocol mispredicts.
	r := rand.New(rand.NewPCG(1, 1))
	mix := make([][]byte, 1024)
	for i := range mix {
		proto := ProtoUDP
		if r.IntN(2) == 0 {
			proto = ProtoTCP
		}
		mix[i] = AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, SrcIP: 1, DstIP: 2, Proto: proto, SrcPort: 3, DstPort: 4, Size: 64})
	}
	b.Run("mix", func(b *testing.B) {
		var p Packet
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		b.ReportAllocs()
		cpu := threadCPU()
		i := 0
		for b.Loop() {
			p.Reset(mix[i%len(mix)], 1, 2)
			i++
		}
		if cpu >= 0 {
			b.ReportMetric(float64(threadCPU()-cpu)/float64(b.N), "cpu-ns/op")
		}
		if !p.HasPorts() {
			b.Fatal("ports not parsed")
		}
	})
}
