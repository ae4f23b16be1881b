package nat

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

const (
	sec    = int64(time.Second)
	extIP  = 0xcb007101 // 203.0.113.1
	host   = 0x0a000005 // 10.0.0.5
	server = 0xc6336407 // 198.51.100.7
	start  = 40000
)

var (
	macHost = maestro.MAC{0x02, 0, 0, 0, 0, 0x05}
	macGW   = maestro.MAC{0x02, 0, 0, 0, 0, 0x01}
)

func newNAT() *NAT {
	return New(Config{ExternalIP: extIP, StartPort: start, Capacity: 1024, Timeout: 10 * time.Second})
}

// process runs one frame through n and returns the verdict and the frame as
// it leaves (rewritten in place).
func process(n *NAT, f maestro.Frame, in maestro.Port, now int64) (maestro.Verdict, []byte) {
	data := maestro.AppendFrame(nil, f)
	var p maestro.Packet
	p.Reset(data, in, now)
	return n.Process(&p), data
}

func outFrame(proto uint8) maestro.Frame {
	return maestro.Frame{EthSrc: macHost, EthDst: macGW, SrcIP: host, DstIP: server, Proto: proto, SrcPort: 5555, DstPort: 443, TCPFlags: 0x02, Size: 90}
}

func TestRoundTrip(t *testing.T) {
	for _, proto := range []uint8{maestro.ProtoTCP, maestro.ProtoUDP} {
		n := newNAT()
		out := outFrame(proto)
		v, got := process(n, out, LAN, 1)
		if v != maestro.Forward(WAN) {
			t.Fatalf("proto %d: outbound verdict %v", proto, v)
		}
		// The first flow gets index 0: external port start+0. Everything
		// but the source address and port, and the checksums, is unchanged;
		// AppendFrame computes the checksums from scratch.
		wantOut := out
		wantOut.SrcIP, wantOut.SrcPort = extIP, start
		if want := maestro.AppendFrame(nil, wantOut); !bytes.Equal(got, want) {
			t.Fatalf("proto %d: outbound bytes\n got %x\nwant %x", proto, got, want)
		}
		verifyChecksums(t, got)

		reply := maestro.Frame{EthSrc: macGW, EthDst: macHost, SrcIP: server, DstIP: extIP, Proto: proto, SrcPort: 443, DstPort: start, TCPFlags: 0x12, Size: 90}
		v, got = process(n, reply, WAN, 2)
		if v != maestro.Forward(LAN) {
			t.Fatalf("proto %d: reply verdict %v", proto, v)
		}
		wantIn := reply
		wantIn.DstIP, wantIn.DstPort = host, 5555
		if want := maestro.AppendFrame(nil, wantIn); !bytes.Equal(got, want) {
			t.Fatalf("proto %d: reply bytes\n got %x\nwant %x", proto, got, want)
		}
		verifyChecksums(t, got)

		// A second packet of the flow reuses the port.
		if _, again := process(n, out, LAN, 3); !bytes.Equal(again[:len(got)], maestro.AppendFrame(nil, wantOut)) {
			t.Errorf("proto %d: second outbound packet translated differently", proto)
		}
		if n.flows.Len() != 1 {
			t.Errorf("proto %d: %d flows, want 1", proto, n.flows.Len())
		}
	}
}

// verifyChecksums decodes data with gopacket, an independent decoder, and
// checks the IPv4 and TCP/UDP checksums against ones gopacket recomputes.
func verifyChecksums(t *testing.T, data []byte) {
	t.Helper()
	pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if !ok {
		t.Fatal("gopacket: no IPv4 layer")
	}
	gotIP := ip.Checksum
	var l4 gopacket.SerializableLayer
	var gotL4 uint16
	var csum func() uint16
	switch {
	case pkt.Layer(layers.LayerTypeTCP) != nil:
		tcp := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		l4, gotL4, csum = tcp, tcp.Checksum, func() uint16 { return tcp.Checksum }
	case pkt.Layer(layers.LayerTypeUDP) != nil:
		udp := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		l4, gotL4, csum = udp, udp.Checksum, func() uint16 { return udp.Checksum }
	default:
		t.Fatal("gopacket: no TCP or UDP layer")
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ip, l4, gopacket.Payload(ip.Payload[headerLen(l4):])); err != nil {
		t.Fatal(err)
	}
	if ip.Checksum != gotIP {
		t.Errorf("IPv4 checksum %#04x, gopacket computes %#04x", gotIP, ip.Checksum)
	}
	if csum() != gotL4 {
		t.Errorf("L4 checksum %#04x, gopacket computes %#04x", gotL4, csum())
	}
	// The serialized datagram is the one on the wire.
	if !bytes.Equal(buf.Bytes(), data[14:]) {
		t.Errorf("gopacket re-serialization differs from the frame")
	}
}

func headerLen(l gopacket.SerializableLayer) int {
	if tcp, ok := l.(*layers.TCP); ok {
		return int(tcp.DataOffset) * 4
	}
	return 8
}

func TestSpoofedRepliesDropped(t *testing.T) {
	n := newNAT()
	process(n, outFrame(maestro.ProtoTCP), LAN, 1*sec)
	good := maestro.Frame{SrcIP: server, DstIP: extIP, Proto: maestro.ProtoTCP, SrcPort: 443, DstPort: start, Size: 90}
	bad := map[string]func(f *maestro.Frame){
		"wrong server IP":   func(f *maestro.Frame) { f.SrcIP++ },
		"wrong server port": func(f *maestro.Frame) { f.SrcPort = 444 },
		"wrong protocol":    func(f *maestro.Frame) { f.Proto = maestro.ProtoUDP },
		"unallocated port":  func(f *maestro.Frame) { f.DstPort = start + 1 },
		"port below range":  func(f *maestro.Frame) { f.DstPort = start - 1 },
		"port above table":  func(f *maestro.Frame) { f.DstPort = start + 1024 },
		"not our address":   func(f *maestro.Frame) { f.DstIP = extIP + 1 },
		"ICMP":              func(f *maestro.Frame) { f.Proto = maestro.ProtoICMP },
	}
	for name, spoil := range bad {
		f := good
		spoil(&f)
		data := maestro.AppendFrame(nil, f)
		orig := string(data)
		var p maestro.Packet
		p.Reset(data, WAN, 5*sec)
		if v := n.Process(&p); v != maestro.Drop {
			t.Errorf("%s: verdict %v, want drop", name, v)
		}
		if string(data) != orig {
			t.Errorf("%s: dropped packet was rewritten", name)
		}
		// No state change: same flow, still stamped at its last real packet.
		if n.flows.Len() != 1 || n.flows.Time(0) != 1*sec {
			t.Errorf("%s: state changed: %d flows, flow time %d", name, n.flows.Len(), n.flows.Time(0))
		}
	}
	// The spoofed packets did not keep the flow alive: it expires 10s after
	// its last real packet.
	if v, _ := process(n, good, WAN, 11*sec); v != maestro.Drop {
		t.Errorf("reply after expiry: %v, want drop", v)
	}
	if n.flows.Len() != 0 {
		t.Errorf("flow outlived its timeout")
	}
}

func TestRepliesRefreshTheFlow(t *testing.T) {
	n := newNAT()
	process(n, outFrame(maestro.ProtoUDP), LAN, 0)
	reply := maestro.Frame{SrcIP: server, DstIP: extIP, Proto: maestro.ProtoUDP, SrcPort: 443, DstPort: start}
	for now := 5 * sec; now <= 30*sec; now += 5 * sec {
		if v, _ := process(n, reply, WAN, now); v != maestro.Forward(LAN) {
			t.Fatalf("reply at %ds: %v", now/sec, v)
		}
	}
}

func TestDistinctFlowsDistinctPorts(t *testing.T) {
	n := New(Config{ExternalIP: extIP, StartPort: start, Capacity: 4})
	seen := map[uint16]bool{}
	for i := range 4 {
		f := outFrame(maestro.ProtoUDP)
		f.SrcPort += uint16(i)
		_, data := process(n, f, LAN, 0)
		var p maestro.Packet
		p.Reset(data, WAN, 0)
		if p.SrcPort < start || p.SrcPort >= start+4 || seen[p.SrcPort] {
			t.Errorf("flow %d got port %d", i, p.SrcPort)
		}
		seen[p.SrcPort] = true
	}
	// Full: a fifth flow is dropped, untouched; existing flows still pass.
	f := outFrame(maestro.ProtoUDP)
	f.SrcPort = 1
	if v, data := process(n, f, LAN, 0); v != maestro.Drop || !bytes.Equal(data, maestro.AppendFrame(nil, f)) {
		t.Errorf("fifth flow on a full NAT: %v", v)
	}
	if v, _ := process(n, outFrame(maestro.ProtoUDP), LAN, 0); v != maestro.Forward(WAN) {
		t.Errorf("existing flow on a full NAT: %v", v)
	}
}

func TestConfig(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if n := New(Config{}); n.flows.Cap() != 32768 || n.flows.ValueOf(0) != 32768 || n.extIP != 0xc0000201 {
		t.Errorf("defaults: cap %d start %d ip %#x", n.flows.Cap(), n.flows.ValueOf(0), n.extIP)
	}
	for _, c := range []Config{{StartPort: 1024, Capacity: 65536}, {Capacity: 1000}, {StartPort: 65535, Capacity: 2}} {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
		// New lowers the capacity so that every index has a port.
		n := New(c)
		if int(n.flows.ValueOf(0))+n.flows.Cap() > 65536 || n.flows.Cap() > c.Capacity {
			t.Errorf("%+v: start %d cap %d", c, n.flows.ValueOf(0), n.flows.Cap())
		}
	}
}

func BenchmarkProcess(b *testing.B) {
	const flows = 40000
	r := rand.New(rand.NewPCG(1, 2))
	nf := New(Config{ExternalIP: extIP, StartPort: 32768, Capacity: 32768})
	// LAN flows and their WAN replies. The NAT has 32768 ports, so 7232 of
	// the 40,000 flows do not fit: their packets take the drop path (table
	// full on the LAN, unallocated port on the WAN), as under overload.
	outs := make([]maestro.Frame, flows)
	replies := make([]maestro.Frame, flows)
	var p maestro.Packet
	for i := range outs {
		outs[i] = maestro.Frame{SrcIP: 0x0a000000 | r.Uint32()&0xffffff, DstIP: r.Uint32(), Proto: maestro.ProtoUDP, SrcPort: uint16(r.Uint32()), DstPort: uint16(r.Uint32()), Size: 60}
		data := maestro.AppendFrame(nil, outs[i])
		p.Reset(data, LAN, 0)
		port := uint16(1) // below the range: never allocated
		if nf.Process(&p) == maestro.Forward(WAN) {
			port = p.SrcPort
		}
		replies[i] = maestro.Frame{SrcIP: outs[i].DstIP, DstIP: extIP, Proto: maestro.ProtoUDP, SrcPort: outs[i].DstPort, DstPort: port, Size: 60}
	}
	order := benchtrace.UniformOrder(r, flows, 2)
	tr := benchtrace.New(len(order), func(i int) (maestro.Frame, maestro.Port) {
		f := order[i]
		if r.IntN(2) == 0 {
			return outs[f], LAN
		}
		return replies[f], WAN
	})
	tr.Run(b, nf)
}

// TestRandomFlowsTranslateExactly translates many random flows both ways and
// compares every rewritten frame with one built from scratch (checksums
// computed in full), and with gopacket's checksums. It catches incremental
// checksum updates that are off, including the one's-complement +0/-0 cases
// that only some values hit.
func TestRandomFlowsTranslateExactly(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	rounds := 5000
	if testing.Short() {
		rounds = 500
	}
	n := New(Config{ExternalIP: extIP, StartPort: 1024, Capacity: 32768, Timeout: time.Millisecond})
	for k := range rounds {
		proto := maestro.ProtoTCP
		if k%2 == 1 {
			proto = maestro.ProtoUDP
		}
		out := maestro.Frame{SrcIP: r.Uint32(), DstIP: r.Uint32(), Proto: proto, SrcPort: uint16(r.Uint32()), DstPort: uint16(r.Uint32()), TCPFlags: uint8(r.Uint32()), TTL: uint8(r.IntN(255) + 1), Size: 60 + r.IntN(100)}
		now := int64(k) * int64(time.Millisecond) // flows expire: the table never fills
		v, got := process(n, out, LAN, now)
		if v != maestro.Forward(WAN) {
			t.Fatalf("flow %d: %v", k, v)
		}
		var p maestro.Packet
		p.Reset(got, WAN, 0)
		want := out
		want.SrcIP, want.SrcPort = extIP, p.SrcPort
		if !bytes.Equal(got, maestro.AppendFrame(nil, want)) {
			t.Fatalf("flow %d outbound:\n got %x\nwant %x", k, got, maestro.AppendFrame(nil, want))
		}
		reply := maestro.Frame{SrcIP: out.DstIP, DstIP: extIP, Proto: proto, SrcPort: out.DstPort, DstPort: p.SrcPort, TCPFlags: uint8(r.Uint32()), Size: 60 + r.IntN(100)}
		v, back := process(n, reply, WAN, now)
		if v != maestro.Forward(LAN) {
			t.Fatalf("flow %d reply: %v", k, v)
		}
		want = reply
		want.DstIP, want.DstPort = out.SrcIP, out.SrcPort
		if !bytes.Equal(back, maestro.AppendFrame(nil, want)) {
			t.Fatalf("flow %d reply:\n got %x\nwant %x", k, back, maestro.AppendFrame(nil, want))
		}
		if k%50 == 0 {
			verifyChecksums(t, got)
			verifyChecksums(t, back)
		}
	}
}
