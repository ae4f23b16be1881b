package soft_test

import (
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// A port configured to hash only the destination address (l3-dst-only)
// computes what such a NIC computes: the Toeplitz hash of the four address
// bytes alone, as input bytes 0..3, for TCP, UDP and ICMP alike.
func TestRSSDispatcherFieldSelection(t *testing.T) {
	key := make([]byte, 52)
	for i := range key {
		key[i] = byte(i*53 + 7)
	}
	reta := rss.RoundRobin(512, 8)
	cfg := rss.Config{Port: 0, Key: key, Fields: rss.HashIPv4All | rss.HashL3DstOnly, RETA: reta}
	ports := rss.Config{Port: 1, Key: key, Fields: rss.HashIPv4All | rss.HashL3SrcOnly | rss.HashL4SrcOnly, RETA: reta}
	d, err := soft.RSSDispatcher(cfg, ports)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(port maestro.Port, f maestro.Frame) *maestro.Packet {
		var p maestro.Packet
		p.Reset(maestro.AppendFrame(nil, f), port, 0)
		return &p
	}
	seen := map[int]int{}
	for i := range 256 {
		dst := 0xc0a80100 | uint32(i) // a /24 of destinations
		src := 0x0a000000 + uint32(i*7919)
		in := []byte{byte(dst >> 24), byte(dst >> 16), byte(dst >> 8), byte(dst)}
		want := int(reta[rss.Toeplitz(key, in)&511])
		for _, proto := range []uint8{maestro.ProtoTCP, maestro.ProtoUDP, maestro.ProtoICMP} {
			f := maestro.Frame{SrcIP: src, DstIP: dst, Proto: proto, SrcPort: uint16(1024 + i), DstPort: 443}
			if got := d(mk(0, f)); got != want {
				t.Fatalf("dst %#x proto %d: queue %d, want %d (hash of DstIP alone)", dst, proto, got, want)
			}
		}
		seen[want]++
		// Port 1 hashes SrcIP then SrcPort, six bytes.
		sp := uint16(40000 + i)
		in6 := []byte{byte(src >> 24), byte(src >> 16), byte(src >> 8), byte(src), byte(sp >> 8), byte(sp)}
		f := maestro.Frame{SrcIP: src, DstIP: dst, Proto: maestro.ProtoUDP, SrcPort: sp, DstPort: uint16(i)}
		if got, want := d(mk(1, f)), int(reta[rss.Toeplitz(key, in6)&511]); got != want {
			t.Fatalf("port 1: queue %d, want %d (hash of SrcIP, SrcPort)", got, want)
		}
	}
	if len(seen) != 8 {
		t.Errorf("a /24 of destinations reached %d of 8 queues", len(seen))
	}
}
