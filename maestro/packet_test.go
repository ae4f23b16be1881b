package maestro

import (
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	macA = MAC{0x02, 0, 0, 0, 0, 1}
	macB = MAC{0x02, 0, 0, 0, 0, 2}
)

func udpFrame() Frame {
	return Frame{EthDst: macB, EthSrc: macA, SrcIP: 0x0a000001, DstIP: 0xc0a80102, Proto: ProtoUDP, SrcPort: 1234, DstPort: 53, Size: 60}
}

func TestParseTCPUDPICMP(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Frame
		l4   L4
	}{
		{"udp", udpFrame(), L4UDP},
		{"tcp", Frame{EthDst: macB, EthSrc: macA, SrcIP: 1, DstIP: 2, Proto: ProtoTCP, SrcPort: 80, DstPort: 8080, TCPFlags: 0x12, Size: 100}, L4TCP},
		{"icmp", Frame{EthDst: macB, EthSrc: macA, SrcIP: 3, DstIP: 4, Proto: ProtoICMP}, L4ICMP},
		{"gre", Frame{EthDst: macB, EthSrc: macA, SrcIP: 3, DstIP: 4, Proto: 47}, L4Other},
		{"vlan-udp", func() Frame { f := udpFrame(); f.VLAN = 42; return f }(), L4UDP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Packet
			p.Reset(AppendFrame(nil, tc.f), 1, 99)
			if p.Reason != ReasonOK || p.L3 != L3IPv4 || p.L4 != tc.l4 {
				t.Fatalf("reason %v l3 %v l4 %v", p.Reason, p.L3, p.L4)
			}
			if p.InPort != 1 || p.Time != 99 || p.EthSrc != macA || p.EthDst != macB {
				t.Errorf("metadata/MACs wrong: %+v", p)
			}
			if p.SrcIP != tc.f.SrcIP || p.DstIP != tc.f.DstIP || p.Proto != tc.f.Proto || p.TTL != 64 {
				t.Errorf("IPv4 fields wrong: %+v", p)
			}
			if tc.l4 == L4TCP || tc.l4 == L4UDP {
				if p.SrcPort != tc.f.SrcPort || p.DstPort != tc.f.DstPort || !p.HasPorts() {
					t.Errorf("ports wrong: %d %d", p.SrcPort, p.DstPort)
				}
			} else if p.HasPorts() || p.SrcPort != 0 {
				t.Errorf("ports on %v", tc.l4)
			}
			if tc.l4 == L4TCP && p.TCPFlags != 0x12 {
				t.Errorf("tcp flags %x", p.TCPFlags)
			}
			if tc.f.VLAN != 0 && (!p.HasVLAN || p.VLAN != 42 || p.L3Off != 18) {
				t.Errorf("vlan: %v %d off %d", p.HasVLAN, p.VLAN, p.L3Off)
			}
		})
	}
}

func TestParseIPOptions(t *testing.T) {
	// Rebuild a UDP frame with 8 bytes of IPv4 options (IHL 7).
	base := AppendFrame(nil, udpFrame())
	ip := base[14:]
	opt := make([]byte, 0, len(base)+8)
	opt = append(opt, base[:14]...)
	opt = append(opt, ip[:20]...)
	opt = append(opt, 1, 1, 1, 1, 1, 1, 1, 0) // NOPs, EOL
	opt = append(opt, ip[20:]...)
	opt[14] = 0x47
	binary.BigEndian.PutUint16(opt[16:], binary.BigEndian.Uint16(ip[2:])+8)
	var p Packet
	p.Reset(opt, 0, 0)
	if p.Reason != ReasonOK || p.L4 != L4UDP || p.SrcPort != 1234 || p.L4Off != 14+28 {
		t.Fatalf("options: reason %v l4 %v sport %d l4off %d", p.Reason, p.L4, p.SrcPort, p.L4Off)
	}
}

func TestParseMalformed(t *testing.T) {
	good := AppendFrame(nil, udpFrame())
	mutate := func(f func(b []byte) []byte) []byte {
		b := append([]byte(nil), good...)
		return f(b)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want Reason
		l3   L3
	}{
		{"empty", nil, ReasonTruncatedEth, L3None},
		{"short-eth", good[:13], ReasonTruncatedEth, L3None},
		{"short-vlan", mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[12:], EtherTypeVLAN); return b[:16] }), ReasonTruncatedEth, L3None},
		{"ipv6", mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[12:], EtherTypeIPv6); return b }), ReasonNotIPv4, L3IPv6},
		{"arp", mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[12:], EtherTypeARP); return b }), ReasonNotIPv4, L3ARP},
		{"other", mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[12:], 0x88cc); return b }), ReasonNotIPv4, L3Other},
		{"short-ip", good[:14+19], ReasonTruncatedIPv4, L3IPv4},
		{"version", mutate(func(b []byte) []byte { b[14] = 0x65; return b }), ReasonBadVersion, L3IPv4},
		{"ihl", mutate(func(b []byte) []byte { b[14] = 0x44; return b }), ReasonBadIHL, L3IPv4},
		{"ihl-beyond", mutate(func(b []byte) []byte { b[14] = 0x4f; return b[:14+40] }), ReasonTruncatedIPv4, L3IPv4},
		{"totlen-big", mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[16:], 1500); return b }), ReasonBadTotalLength, L3IPv4},
		{"totlen-small", mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[16:], 12); return b }), ReasonBadTotalLength, L3IPv4},
		{"frag-mf", mutate(func(b []byte) []byte { b[20] = 0x20; return b }), ReasonFragment, L3IPv4},
		{"frag-off", mutate(func(b []byte) []byte { b[21] = 0x10; return b }), ReasonFragment, L3IPv4},
		{"udp-short", mutate(func(b []byte) []byte { binary.BigEndian.PutUint16(b[16:], 24); return b }), ReasonTruncatedL4, L3IPv4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Packet
			p.Reset(tc.data, 0, 0)
			if p.Reason != tc.want || p.L3 != tc.l3 {
				t.Fatalf("got reason %q l3 %v, want %q l3 %v", p.Reason, p.L3, tc.want, tc.l3)
			}
			if p.HasPorts() || p.SrcPort != 0 || p.DstPort != 0 {
				t.Errorf("ports parsed on malformed frame")
			}
			// The RSS contract: addresses only where the NIC hashes IPv4.
			if !p.IsIPv4() && (p.SrcIP != 0 || p.DstIP != 0) {
				t.Errorf("addresses %#x, %#x exposed on a frame the NIC does not hash as IPv4", p.SrcIP, p.DstIP)
			}
			if p.SetSrcIP(9) != p.IsIPv4() || p.SetDstPort(9) {
				t.Errorf("setters disagree with the exposed fields")
			}
			if p.Reason.Error() == "" {
				t.Errorf("no reason text")
			}
		})
	}
}

func TestFragmentKeepsAddresses(t *testing.T) {
	b := AppendFrame(nil, udpFrame())
	b[20] = 0x20 // MF
	var p Packet
	p.Reset(b, 0, 0)
	if !p.IsIPv4() || p.SrcIP != 0x0a000001 || !p.MoreFragments || p.L4 != L4None {
		t.Fatalf("fragment: %+v", p)
	}
}

// checkChecksums validates the IPv4 and transport checksums of a frame with
// gopacket, an implementation independent of ours.
func checkChecksums(t *testing.T, frame []byte) {
	t.Helper()
	pkt := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
	ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if ip == nil {
		t.Fatalf("gopacket: no IPv4 layer: %v", pkt.ErrorLayer())
	}
	want := ip.Checksum
	buf := gopacket.NewSerializeBuffer()
	ipc := *ip
	if err := ipc.SerializeTo(buf, gopacket.SerializeOptions{ComputeChecksums: true}); err != nil {
		t.Fatal(err)
	}
	if ipc.Checksum != want {
		t.Errorf("IPv4 checksum %#04x, correct %#04x", want, ipc.Checksum)
	}
	var l4 gopacket.SerializableLayer
	var got uint16
	switch l := pkt.TransportLayer().(type) {
	case *layers.UDP:
		if l.Checksum == 0 {
			return
		}
		c := *l
		c.SetNetworkLayerForChecksum(&ipc)
		got, l4 = l.Checksum, &c
		defer func() {
			if c.Checksum != got {
				t.Errorf("UDP checksum %#04x, correct %#04x", got, c.Checksum)
			}
		}()
	case *layers.TCP:
		c := *l
		c.SetNetworkLayerForChecksum(&ipc)
		got, l4 = l.Checksum, &c
		defer func() {
			if c.Checksum != got {
				t.Errorf("TCP checksum %#04x, correct %#04x", got, c.Checksum)
			}
		}()
	default:
		return
	}
	buf = gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, l4, gopacket.Payload(pkt.TransportLayer().LayerPayload())); err != nil {
		t.Fatal(err)
	}
}

func TestSettersKeepChecksumsValid(t *testing.T) {
	for _, proto := range []uint8{ProtoTCP, ProtoUDP} {
		f := udpFrame()
		f.Proto = proto
		f.Size = 90
		var p Packet
		p.Reset(AppendFrame(nil, f), 0, 0)
		checkChecksums(t, p.Data)
		steps := []func() bool{
			func() bool { return p.SetSrcIP(0xc6336401) },
			func() bool { return p.SetDstIP(0x08080808) },
			func() bool { return p.SetSrcPort(40000) },
			func() bool { return p.SetDstPort(0xffff) },
			func() bool { return p.SetTTL(3) },
			func() bool { return p.DecTTL() },
			func() bool { return p.SetEthSrc(MAC{1, 2, 3, 4, 5, 6}) },
			func() bool { return p.SetEthDst(MAC{6, 5, 4, 3, 2, 1}) },
		}
		for i, step := range steps {
			if !step() {
				t.Fatalf("proto %d step %d refused", proto, i)
			}
			checkChecksums(t, p.Data)
		}
		// The setters' view and a fresh parse must agree.
		var q Packet
		q.Reset(p.Data, 0, 0)
		if q.SrcIP != 0xc6336401 || q.DstIP != 0x08080808 || q.SrcPort != 40000 || q.DstPort != 0xffff || q.TTL != 2 ||
			q.EthSrc != (MAC{1, 2, 3, 4, 5, 6}) || q.EthDst != (MAC{6, 5, 4, 3, 2, 1}) {
			t.Errorf("reparse disagrees: %+v", q)
		}
		if q.SrcIP != p.SrcIP || q.SrcPort != p.SrcPort || q.TTL != p.TTL {
			t.Errorf("setter fields not updated in Packet")
		}
	}
}

func TestZeroUDPChecksumStaysZero(t *testing.T) {
	f := udpFrame()
	f.NoUDPChecksum = true
	var p Packet
	p.Reset(AppendFrame(nil, f), 0, 0)
	p.SetSrcIP(0x01020304)
	p.SetDstPort(9)
	if c := binary.BigEndian.Uint16(p.Data[p.L4Off+6:]); c != 0 {
		t.Fatalf("UDP checksum became %#04x", c)
	}
	checkChecksums(t, p.Data)
}

func TestSettersRefuseMissingLayers(t *testing.T) {
	var p Packet
	p.Reset(AppendFrame(nil, Frame{Proto: ProtoICMP, SrcIP: 1, DstIP: 2}), 0, 0)
	before := append([]byte(nil), p.Data...)
	if p.SetSrcPort(1) || p.SetDstPort(1) {
		t.Error("port setter accepted an ICMP packet")
	}
	if string(before) != string(p.Data) {
		t.Error("refused setter changed bytes")
	}
	p.Reset(before[:10], 0, 0)
	if p.SetEthSrc(macA) || p.SetSrcIP(1) || p.SetTTL(1) || p.DecTTL() {
		t.Error("setter accepted a truncated frame")
	}
	p.Reset(AppendFrame(nil, Frame{Proto: ProtoUDP, TTL: 1}), 0, 0)
	if p.DecTTL() {
		t.Error("DecTTL accepted TTL 1")
	}
}

func TestVerdict(t *testing.T) {
	if v, ok := Forward(3).Port(); !ok || v != 3 {
		t.Error("Forward(3).Port()")
	}
	if _, ok := Drop.Port(); ok || !Drop.IsDrop() || Drop.IsFlood() {
		t.Error("Drop")
	}
	if _, ok := Flood.Port(); ok || !Flood.IsFlood() {
		t.Error("Flood")
	}
	for v, s := range map[Verdict]string{Drop: "drop", Flood: "flood", Forward(1): "forward(1)"} {
		if v.String() != s {
			t.Errorf("%d: %q", v, v.String())
		}
	}
}

func TestFlowReverse(t *testing.T) {
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 0)
	f := p.Flow()
	r := f.Reverse()
	if r.SrcIP() != f.DstIP() || r.DstIP() != f.SrcIP() || r.SrcPort() != f.DstPort() || r.DstPort() != f.SrcPort() || r.Proto() != f.Proto() || r.Reverse() != f {
		t.Fatalf("reverse: %v %v", f, r)
	}
}

// TestFlowComponents checks that every component survives the packing into
// words, at the extremes of its range, and that == compares them all.
func TestFlowComponents(t *testing.T) {
	for _, c := range []struct {
		src, dst     uint32
		sport, dport uint16
		proto        uint8
	}{
		{0, 0, 0, 0, 0},
		{0xffffffff, 0, 0xffff, 0, 0xff},
		{0, 0xffffffff, 0, 0xffff, 0},
		{0x0a000001, 0xc0a80102, 1234, 80, ProtoTCP},
	} {
		f := MakeFlowID(c.src, c.dst, c.sport, c.dport, c.proto)
		if f.SrcIP() != c.src || f.DstIP() != c.dst || f.SrcPort() != c.sport || f.DstPort() != c.dport || f.Proto() != c.proto {
			t.Errorf("%+v: got %v", c, f)
		}
		for i, g := range []FlowID{
			MakeFlowID(c.src^1, c.dst, c.sport, c.dport, c.proto),
			MakeFlowID(c.src, c.dst^1, c.sport, c.dport, c.proto),
			MakeFlowID(c.src, c.dst, c.sport^1, c.dport, c.proto),
			MakeFlowID(c.src, c.dst, c.sport, c.dport^1, c.proto),
			MakeFlowID(c.src, c.dst, c.sport, c.dport, c.proto^1),
		} {
			if g == f {
				t.Errorf("%+v: changing component %d left the FlowID equal", c, i)
			}
		}
	}
	var p Packet
	p.Reset(AppendFrame(nil, udpFrame()), 0, 0)
	f := p.Flow()
	if f != MakeFlowID(p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto) {
		t.Errorf("Flow %v differs from the packet's fields", f)
	}
	if s := MakeFlowID(0x0a000001, 0x0a000002, 1234, 80, ProtoTCP).String(); s != "10.0.0.1:1234->10.0.0.2:80/6" {
		t.Errorf("String: %q", s)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(AppendFrame(nil, udpFrame()))
	f.Add(AppendFrame(nil, Frame{Proto: ProtoTCP, VLAN: 7, Size: 80}))
	f.Add(AppendFrame(nil, Frame{Proto: ProtoICMP}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Packet
		p.Reset(data, 0, 0)
		if p.HasPorts() && p.Reason != ReasonOK {
			t.Fatalf("ports with reason %v", p.Reason)
		}
		if p.Reason == ReasonOK && p.L3 != L3IPv4 {
			t.Fatalf("ok without IPv4")
		}
		if p.L4Off > len(data) || p.PayloadOff > len(data) {
			t.Fatalf("offsets beyond frame")
		}
		// The RSS contract: hashed fields are zero where the NIC does not
		// hash them.
		if !p.IsIPv4() && (p.SrcIP != 0 || p.DstIP != 0) {
			t.Fatalf("addresses exposed with reason %v", p.Reason)
		}
		if !p.HasPorts() && (p.SrcPort != 0 || p.DstPort != 0) {
			t.Fatalf("ports exposed with reason %v, L4 %v", p.Reason, p.L4)
		}
		// Setters must never panic and must keep a valid frame parseable
		// to the same shape.
		orig := p
		if p.SetSrcIP(0x01020304) != orig.IsIPv4() {
			t.Fatalf("SetSrcIP disagrees with IsIPv4 (reason %v)", orig.Reason)
		}
		if p.SetDstPort(7) != orig.HasPorts() {
			t.Fatalf("SetDstPort disagrees with HasPorts (reason %v)", orig.Reason)
		}
		p.SetTTL(9)
		p.SetEthDst(macA)
		var q Packet
		q.Reset(data, 0, 0)
		if q.Reason != orig.Reason || q.L4 != orig.L4 {
			t.Fatalf("setters changed parse result: %v/%v -> %v/%v", orig.Reason, orig.L4, q.Reason, q.L4)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	frame := AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, SrcIP: 1, DstIP: 2, Proto: ProtoTCP, SrcPort: 3, DstPort: 4, Size: 60})
	var p Packet
	b.ReportAllocs()
	for b.Loop() {
		p.Reset(frame, 0, 0)
	}
	if p.Reason != ReasonOK {
		b.Fatal(p.Reason)
	}
}

func BenchmarkSetSrcIPPort(b *testing.B) {
	frame := AppendFrame(nil, udpFrame())
	var p Packet
	p.Reset(frame, 0, 0)
	b.ReportAllocs()
	var i uint32
	for b.Loop() {
		i++
		p.SetSrcIP(i)
		p.SetSrcPort(uint16(i))
	}
}

// TestIsIPv4ByReason pins IsIPv4, which tests one bound on Reason, to its
// definition: an IPv4 packet whose header parsed, fully, as a fragment or
// with a truncated transport header.
func TestIsIPv4ByReason(t *testing.T) {
	for r := range Reason(len(reasonText) + 2) {
		for _, l3 := range []L3{L3None, L3IPv4, L3IPv6, L3ARP, L3Other} {
			p := Packet{L3: l3, Reason: r}
			want := l3 == L3IPv4 && (r == ReasonOK || r == ReasonFragment || r == ReasonTruncatedL4)
			if got := p.IsIPv4(); got != want {
				t.Errorf("L3 %v, reason %v: IsIPv4 %v, want %v", l3, r, got, want)
			}
		}
	}
}
