package traffic

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/nfmaestro/maestro/maestro"
)

// Kind is a set of kinds of hostile traffic (Config.Kinds). Hostile frames
// are built around the live flows (their hosts, ports, protocols and
// replies), so that they reach the state the flows created: a sequential
// NF and its parallel version must treat them alike.
type Kind uint32

// Hostile traffic kinds.
const (
	// KindICMP: ICMP echo requests from a flow's LAN host to its server and
	// echo replies back, and ICMP errors (port unreachable, time exceeded)
	// quoting a flow's datagram, from either side.
	KindICMP Kind = 1 << iota
	// KindMalformed: a flow's frame with a bad IPv4 version or IHL, an IHL
	// beyond the frame, or a total length shorter than the header, longer
	// than the frame, or cutting the transport header (header checksum
	// recomputed, so that only the malformation is wrong).
	KindMalformed
	// KindTruncated: a flow's frame (sometimes 802.1Q-tagged) cut inside
	// its Ethernet, 802.1Q, IPv4 or transport header.
	KindTruncated
	// KindFragment: a flow's datagram split in two IPv4 fragments, the
	// first (MF, offset 0, transport header inside) and a later one (offset
	// > 0), sent in either order or alone.
	KindFragment
	// KindNonIP: ARP requests and replies and IPv6 UDP between a flow's
	// hosts, and LLDP frames.
	KindNonIP
	// KindSpoofed: replies to a flow from the WAN with the right ports but
	// a server address next to the right one (carrying across a byte when
	// it can), from the right server on the wrong port, to the wrong LAN
	// host, or with the other transport protocol (UDP answering TCP).
	KindSpoofed
	// KindUnsolicited: WAN traffic no LAN flow asked for: new servers to
	// random LAN hosts, or to a flow's LAN host and port.
	KindUnsolicited
	// KindExtraPort: a flow's next packet arriving on port Config.Ports,
	// a port beyond the ones the trace's flows use (the third port of a
	// two-port trace): the NF does not declare it.
	KindExtraPort
	// KindBurst: a flow's request and its reply within 1 µs (300 ns at
	// most), the reply hitting the state the request just made.
	KindBurst
	// KindVLAN: a flow's next packet with an 802.1Q tag.
	KindVLAN
	// KindOdd: a flow's next packet, valid but unusual: IPv4 options, TTL
	// 0 or 1, a broadcast or multicast destination MAC, or no UDP
	// checksum.
	KindOdd
	// KindEcho: pings of a flow's LAN host to its server by a fixed
	// identifier per flow, a request and its reply, one of them alone, a
	// reply with another identifier or from the server's neighbour, or an
	// echo request from the server (icmpfrag.go).
	KindEcho
	// KindQuote: ICMP errors from a router to a flow's LAN host quoting the
	// flow's LAN datagram or ping, a datagram of no flow, or the flow's
	// datagram sent to the LAN host next door; or a redirect
	// (icmpfrag.go).
	KindQuote
	// KindFragFlow: a flow's reply datagram in a first and a later
	// fragment, with later fragments of other datagrams (another IP ID, or
	// the server's neighbour) in between, or a LAN first fragment followed
	// by a fragmented reply (icmpfrag.go).
	KindFragFlow

	kindEnd
)

// AllKinds is every hostile kind.
const AllKinds = kindEnd - 1

// DefaultKinds are the kinds Config.Kinds 0 selects: every kind but
// KindExtraPort, which adds a port the consumer of the trace must expect.
const DefaultKinds = AllKinds &^ KindExtraPort

var kindNames = []string{"icmp", "malformed", "truncated", "fragment", "nonip", "spoofed", "unsolicited", "extraport", "burst", "vlan", "odd", "echo", "quote", "fragflow"}

// String formats k as a comma-separated list of kind names ("all" for
// AllKinds, "" for none).
func (k Kind) String() string {
	if k == AllKinds {
		return "all"
	}
	var parts []string
	for i, n := range kindNames {
		if k&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if rest := k &^ AllKinds; rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint32(rest)))
	}
	return strings.Join(parts, ",")
}

// ParseKinds parses the format of Kind.String: "all", or a comma-separated
// list of icmp, malformed, truncated, fragment, nonip, spoofed, unsolicited,
// extraport, burst, vlan, odd, echo, quote, fragflow.
func ParseKinds(s string) (Kind, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if s == "all" {
		return AllKinds, nil
	}
	var k Kind
next:
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		for i, n := range kindNames {
			if p == n {
				k |= 1 << i
				continue next
			}
		}
		return 0, fmt.Errorf("unknown hostile kind %q (valid: all, %s)", p, strings.Join(kindNames, ", "))
	}
	return k, nil
}

// The small pools of Config.Pool: eight LAN hosts and eight servers on
// either side of a byte boundary (10.0.0.252-10.0.1.3 and
// 11.0.255.252-11.1.0.3, where two bytes carry), and ports at the edges of
// a byte and of the port space.
var (
	poolLAN     = adjacent(10<<24|0x0000fc, 8)
	poolServers = adjacent(11<<24|0x00fffc, 8)
	poolPorts   = []uint16{0, 1, 255, 256, 65534, 65535}
)

func adjacent(first uint32, n int) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = first + uint32(i)
	}
	return out
}

// poolTuples returns how many distinct 5-tuples the pools hold for c.
func (c *Config) poolTuples() int {
	n := len(poolLAN) * len(poolServers) * len(poolPorts) * len(poolPorts)
	if c.Proto == Mix {
		n *= 2
	}
	return n
}

// poolFlow returns the flow of tuple index i of the pools (see poolTuples).
func (g *generator) poolFlow(i int) flow {
	var f flow
	f.proto = maestro.ProtoUDP
	switch g.cfg.Proto {
	case TCP:
		f.proto = maestro.ProtoTCP
	case Mix:
		if i%2 == 1 {
			f.proto = maestro.ProtoTCP
		}
		i /= 2
	}
	f.dport = poolPorts[i%len(poolPorts)]
	i /= len(poolPorts)
	f.sport = poolPorts[i%len(poolPorts)]
	i /= len(poolPorts)
	f.dst = poolServers[i%len(poolServers)]
	i /= len(poolServers)
	f.src = poolLAN[i%len(poolLAN)]
	return f
}

// newPoolFlow returns a flow from the pools whose 5-tuple no live flow
// has: a random tuple, or the next free one after it. Validate keeps the
// pools at least twice as large as the live flows, so the probe ends.
func (g *generator) newPoolFlow(slot int) flow {
	n := g.cfg.poolTuples()
	start := g.rng.IntN(n)
	bidir := g.rng.Float64() < g.cfg.Bidir
	for j := range n {
		f := g.poolFlow((start + j) % n)
		k := tuple{f.src, f.dst, f.sport, f.dport, f.proto}
		if _, live := g.seen[k]; live {
			continue
		}
		g.seen[k] = struct{}{}
		f.bidir = bidir
		if g.cfg.Ports > 1 {
			f.port = maestro.Port(slot % (g.cfg.Ports - 1))
		}
		return f
	}
	panic("traffic: pool exhausted") // unreachable: Validate bounds Flows
}

// hostileFrame is one frame of a hostile event.
type hostileFrame struct {
	port maestro.Port
	data []byte
}

// hostile builds one hostile event of a kind picked from g.kinds around
// the flow fl and returns its frames (one to three; the buffers are
// reused by the next call).
func (g *generator) hostile(fl *flow) []hostileFrame {
	g.out = g.out[:0]
	g.next = 0
	switch k := g.kinds[g.rng.IntN(len(g.kinds))]; k {
	case KindICMP:
		g.icmp(fl)
	case KindMalformed:
		g.malformed(fl)
	case KindTruncated:
		g.truncated(fl)
	case KindFragment:
		g.fragment(fl)
	case KindNonIP:
		g.nonIP(fl)
	case KindSpoofed:
		g.spoofed(fl)
	case KindUnsolicited:
		g.unsolicited(fl)
	case KindExtraPort:
		fr, _ := g.nextFrame(fl)
		g.emit(maestro.Port(g.cfg.Ports), maestro.AppendFrame(g.buf(), fr))
	case KindBurst:
		req, port := g.flowFrame(fl, false, g.size()-4)
		fl.sent++
		g.emit(port, maestro.AppendFrame(g.buf(), req))
		rep, wan := g.flowFrame(fl, true, g.size()-4)
		fl.sent++
		g.emit(wan, maestro.AppendFrame(g.buf(), rep))
	case KindVLAN:
		fr, port := g.nextFrame(fl)
		fr.VLAN = uint16(1 + g.rng.IntN(4094))
		g.emit(port, maestro.AppendFrame(g.buf(), fr))
	case KindOdd:
		g.odd(fl)
	case KindEcho:
		g.echo(fl)
	case KindQuote:
		g.quote(fl)
	case KindFragFlow:
		g.fragFlow(fl)
	}
	return g.out
}

// buf returns an empty scratch buffer for the event's next frame.
func (g *generator) buf() []byte {
	if g.next == len(g.bufs) {
		g.bufs = append(g.bufs, make([]byte, 0, MaxSize))
	}
	b := g.bufs[g.next][:0]
	g.next++
	return b
}

func (g *generator) emit(port maestro.Port, data []byte) {
	g.bufs[g.next-1] = data[:0] // keep a grown buffer for reuse
	g.out = append(g.out, hostileFrame{port, data})
}

// wan returns the reply port.
func (g *generator) wan() maestro.Port { return maestro.Port(g.cfg.Ports - 1) }

// flowFrame returns fl's packet in the given direction (reply: from the
// WAN, addresses, ports and MACs swapped) and its input port, of size
// bytes without FCS, with the TCP flags of its place in the flow.
func (g *generator) flowFrame(fl *flow, reply bool, size int) (maestro.Frame, maestro.Port) {
	fr := maestro.Frame{
		EthSrc: hostMAC(fl.src), EthDst: hostMAC(fl.dst),
		SrcIP: fl.src, DstIP: fl.dst, SrcPort: fl.sport, DstPort: fl.dport,
		Proto: fl.proto,
		Size:  size,
	}
	if fl.proto == maestro.ProtoTCP {
		switch {
		case fl.sent == 0:
			fr.TCPFlags = 0x02 // SYN
		case fl.sent == 1 && reply:
			fr.TCPFlags = 0x12 // SYN-ACK
		default:
			fr.TCPFlags = 0x10 // ACK
		}
	}
	lan, wan := fl.port, g.wan()
	if g.cfg.Inbound {
		lan, wan = wan, lan
	}
	port := lan
	if reply {
		fr.EthSrc, fr.EthDst = fr.EthDst, fr.EthSrc
		fr.SrcIP, fr.DstIP = fr.DstIP, fr.SrcIP
		fr.SrcPort, fr.DstPort = fr.DstPort, fr.SrcPort
		if fl.mapped {
			// Answering the NAT: to the address it showed the server.
			fr.DstIP, fr.DstPort = fl.extIP, fl.extPort
		}
		port = wan
	}
	return fr, port
}

// nextFrame returns fl's next regular packet (a reply every other packet
// for an answered flow) and counts it as sent.
func (g *generator) nextFrame(fl *flow) (maestro.Frame, maestro.Port) {
	fr, port := g.flowFrame(fl, fl.bidir && fl.sent%2 == 1, g.size()-4)
	fl.sent++
	return fr, port
}

// anyDirection returns fl's packet in a random direction without counting
// it as sent: the raw material of frames that are not the flow's own.
func (g *generator) anyDirection(fl *flow) (maestro.Frame, maestro.Port) {
	return g.flowFrame(fl, g.rng.IntN(2) == 1, g.size()-4)
}

// l3Off returns the offset of the IPv4 header in a frame built from fr.
func l3Off(fr maestro.Frame) int {
	if fr.VLAN != 0 {
		return 18
	}
	return 14
}

// l4Len returns the transport header length AppendFrame writes for proto.
func l4Len(proto uint8) int {
	switch proto {
	case maestro.ProtoTCP:
		return 20
	case maestro.ProtoUDP, maestro.ProtoICMP:
		return 8
	}
	return 0
}

// fixIPv4Checksum recomputes the header checksum of the IPv4 header at ip
// over its first 20 bytes, or over IHL words when the IHL is sane and fits.
func fixIPv4Checksum(ip []byte) {
	n := 20
	if ihl := int(ip[0]&0x0f) * 4; ihl > 20 && ihl <= len(ip) {
		n = ihl
	}
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], maestro.Checksum(ip[:n], 0))
}

// icmp emits an echo request or reply between fl's hosts, or an ICMP error
// about fl's datagram from either side.
func (g *generator) icmp(fl *flow) {
	id, seq := uint16(g.rng.Uint32()), uint16(g.rng.Uint32())
	switch g.rng.IntN(4) {
	case 0: // echo request from the LAN host
		g.emit(fl.port, icmpFrame(g.buf(), fl.src, fl.dst, 8, 0, id, seq, nil))
	case 1: // echo reply from the server
		g.emit(g.wan(), icmpFrame(g.buf(), fl.dst, fl.src, 0, 0, id, seq, nil))
	case 2: // the server's host or a router reports the LAN's datagram
		req, _ := g.flowFrame(fl, false, 0)
		quote := maestro.AppendFrame(g.buf(), req)[14:]
		typ, code, from := uint8(3), uint8(3), fl.dst // port unreachable
		if g.rng.IntN(2) == 1 {
			typ, code, from = 11, 0, fl.dst^1 // time exceeded, from a router next to the server
		}
		g.emit(g.wan(), icmpFrame(g.buf(), from, fl.src, typ, code, 0, 0, quote[:28]))
	default: // the LAN host reports a reply's datagram as unreachable
		rep, _ := g.flowFrame(fl, true, 0)
		quote := maestro.AppendFrame(g.buf(), rep)[14:]
		g.emit(fl.port, icmpFrame(g.buf(), fl.src, fl.dst, 3, 3, 0, 0, quote[:28]))
	}
}

// icmpFrame appends a valid ICMP message from src to dst: type and code,
// then id and seq (the "unused" word of errors), then payload.
func icmpFrame(dst []byte, src, to uint32, typ, code uint8, id, seq uint16, payload []byte) []byte {
	start := len(dst)
	size := max(14+20+8+len(payload), 60)
	dst = maestro.AppendFrame(dst, maestro.Frame{EthSrc: hostMAC(src), EthDst: hostMAC(to), SrcIP: src, DstIP: to, Proto: maestro.ProtoICMP, Size: size})
	seg := dst[start+34:]
	seg[0], seg[1] = typ, code
	seg[2], seg[3] = 0, 0
	binary.BigEndian.PutUint16(seg[4:], id)
	binary.BigEndian.PutUint16(seg[6:], seq)
	copy(seg[8:], payload)
	binary.BigEndian.PutUint16(seg[2:], maestro.Checksum(seg, 0))
	return dst
}

// malformed emits one of fl's frames with a broken IPv4 header.
func (g *generator) malformed(fl *flow) {
	fr, port := g.anyDirection(fl)
	b := maestro.AppendFrame(g.buf(), fr)
	ip := b[14:]
	l4 := l4Len(fr.Proto)
	switch g.rng.IntN(6) {
	case 0: // version other than 4
		ip[0] = []byte{0x05, 0x55, 0x65, 0xf5}[g.rng.IntN(4)]
	case 1: // IHL below 5
		ip[0] = 0x40 | byte(g.rng.IntN(5))
	case 2: // total length shorter than the header
		binary.BigEndian.PutUint16(ip[2:], uint16(g.rng.IntN(20)))
	case 3: // total length longer than the frame
		binary.BigEndian.PutUint16(ip[2:], uint16(min(len(ip)+1+g.rng.IntN(1500), 65535)))
	case 4: // total length cutting the transport header (a valid IPv4 packet)
		binary.BigEndian.PutUint16(ip[2:], uint16(20+g.rng.IntN(l4)))
	default: // IHL announcing more than the frame holds
		ip[0] = 0x4f
		b = b[:14+20+g.rng.IntN(26)] // at most 45 of the 60 bytes announced
		ip = b[14:]
	}
	fixIPv4Checksum(ip)
	g.emit(port, b)
}

// truncated emits one of fl's frames cut inside a header.
func (g *generator) truncated(fl *flow) {
	fr, port := g.anyDirection(fl)
	if g.rng.IntN(4) == 0 {
		fr.VLAN = uint16(1 + g.rng.IntN(4094))
	}
	b := maestro.AppendFrame(g.buf(), fr)
	off := l3Off(fr)
	var n int
	switch g.rng.IntN(3) {
	case 0: // inside the Ethernet header or its 802.1Q tag
		n = g.rng.IntN(off)
	case 1: // inside the IPv4 header
		n = off + g.rng.IntN(20)
	default: // inside the transport header
		n = off + 20 + g.rng.IntN(l4Len(fr.Proto))
	}
	g.emit(port, b[:n])
}

// fragment emits fl's datagram as two IPv4 fragments, in order, reversed,
// or only one of them.
func (g *generator) fragment(fl *flow) {
	fr, port := g.anyDirection(fl)
	// first carries the transport header and some payload, in 8-byte
	// units as every fragment but the last must; the rest goes later.
	first := 24 + 8*g.rng.IntN(4)
	rest := 8 + g.rng.IntN(64)
	fr.Size = 14 + 20 + first + rest
	whole := maestro.AppendFrame(g.buf(), fr)
	id := uint16(g.rng.Uint32())
	frag := func(off, n int, more bool) []byte { return fragmentOf(g.buf(), whole, id, off, n, more) }
	switch g.rng.IntN(4) {
	case 0:
		g.emit(port, frag(0, first, true))
	case 1:
		g.emit(port, frag(first, rest, false))
	case 2:
		g.emit(port, frag(0, first, true))
		g.emit(port, frag(first, rest, false))
	default:
		g.emit(port, frag(first, rest, false))
		g.emit(port, frag(0, first, true))
	}
}

// nonIP emits ARP, IPv6 or LLDP between fl's hosts.
func (g *generator) nonIP(fl *flow) {
	switch g.rng.IntN(5) {
	case 0: // the LAN host asks for the server's MAC
		g.emit(fl.port, arpFrame(g.buf(), 1, fl.src, fl.dst))
	case 1: // the server answers from the WAN
		g.emit(g.wan(), arpFrame(g.buf(), 2, fl.dst, fl.src))
	case 2:
		g.emit(fl.port, ipv6Frame(g.buf(), fl.src, fl.dst, fl.sport, fl.dport))
	case 3:
		g.emit(g.wan(), ipv6Frame(g.buf(), fl.dst, fl.src, fl.dport, fl.sport))
	default:
		b := append(g.buf(), 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e) // LLDP multicast
		m := hostMAC(fl.src)
		b = append(b, m[:]...)
		b = append(b, 0x88, 0xcc)
		b = append(b, make([]byte, 46)...)
		g.emit(fl.port, b)
	}
}

// arpFrame appends an ARP request (op 1, broadcast) or reply (op 2) from
// the host at ip to the host at target.
func arpFrame(b []byte, op uint16, ip, target uint32) []byte {
	src, dst := hostMAC(ip), hostMAC(target)
	eth := dst
	if op == 1 {
		eth = maestro.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		dst = maestro.MAC{}
	}
	b = append(b, eth[:]...)
	b = append(b, src[:]...)
	b = append(b, 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, byte(op>>8), byte(op))
	b = append(b, src[:]...)
	b = binary.BigEndian.AppendUint32(b, ip)
	b = append(b, dst[:]...)
	b = binary.BigEndian.AppendUint32(b, target)
	return append(b, make([]byte, 60-42)...)
}

// ipv6Frame appends a valid IPv6 UDP datagram between the hosts src and dst
// (addresses fd00::src and fd00::dst), with 8 bytes of payload.
func ipv6Frame(b []byte, src, dst uint32, sport, dport uint16) []byte {
	start := len(b)
	sm, dm := hostMAC(src), hostMAC(dst)
	b = append(b, dm[:]...)
	b = append(b, sm[:]...)
	b = append(b, 0x86, 0xdd)
	const udpLen = 16
	b = append(b, 0x60, 0, 0, 0, 0, udpLen, maestro.ProtoUDP, 64)
	addr := func(v uint32) {
		b = append(b, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		b = binary.BigEndian.AppendUint32(b, v)
	}
	addr(src)
	addr(dst)
	b = binary.BigEndian.AppendUint16(b, sport)
	b = binary.BigEndian.AppendUint16(b, dport)
	b = append(b, 0, udpLen, 0, 0)
	b = append(b, "maestro!"...)
	// The pseudo-header: both addresses, the upper-layer length and the
	// next header.
	var sum uint32
	for _, w := range [][]byte{b[start+22 : start+54]} {
		for i := 0; i+1 < len(w); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(w[i:]))
		}
	}
	sum += udpLen + uint32(maestro.ProtoUDP)
	udp := b[start+54:]
	c := maestro.Checksum(udp, sum)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:], c)
	return b
}

// spoofed emits a reply that looks like one of fl's but is not.
func (g *generator) spoofed(fl *flow) {
	fr, _ := g.flowFrame(fl, true, g.size()-4)
	switch g.rng.IntN(4) {
	case 0: // right ports, the server's neighbour (255 -> 0 carries)
		if g.rng.IntN(2) == 0 {
			fr.SrcIP++
		} else {
			fr.SrcIP--
		}
	case 1: // right server, wrong port (255/256 and 65535/0 neighbours)
		if g.rng.IntN(2) == 0 {
			fr.SrcPort++
		} else {
			fr.DstPort--
		}
	case 2: // to the LAN host next to the flow's
		fr.DstIP ^= 1
	default: // the other transport protocol
		if fr.Proto == maestro.ProtoTCP {
			fr.Proto = maestro.ProtoUDP
		} else {
			fr.Proto = maestro.ProtoTCP
			fr.TCPFlags = 0x12
		}
	}
	fr.EthSrc, fr.EthDst = hostMAC(fr.SrcIP), hostMAC(fr.DstIP)
	g.emit(g.wan(), maestro.AppendFrame(g.buf(), fr))
}

// unsolicited emits WAN traffic that no LAN flow asked for.
func (g *generator) unsolicited(fl *flow) {
	fr := maestro.Frame{Proto: maestro.ProtoUDP, Size: g.size() - 4}
	if g.rng.IntN(2) == 1 {
		fr.Proto, fr.TCPFlags = maestro.ProtoTCP, 0x02
	}
	fr.SrcIP = uint32(11+g.rng.IntN(212))<<24 | g.rng.Uint32()&0xffffff
	fr.SrcPort = uint16(1 + g.rng.IntN(65535))
	if g.rng.IntN(2) == 0 { // a random LAN host, a random port
		fr.DstIP = 10<<24 | g.rng.Uint32()&0xffffff
		fr.DstPort = uint16(g.rng.IntN(65536))
	} else { // a flow's host and port, from a server it never talked to
		fr.DstIP, fr.DstPort = fl.src, fl.sport
		fr.SrcIP = fl.dst + 256
	}
	fr.EthSrc, fr.EthDst = hostMAC(fr.SrcIP), hostMAC(fr.DstIP)
	g.emit(g.wan(), maestro.AppendFrame(g.buf(), fr))
}

// odd emits fl's next packet with a valid but unusual twist.
func (g *generator) odd(fl *flow) {
	fr, port := g.nextFrame(fl)
	switch g.rng.IntN(4) {
	case 0: // IPv4 options: four bytes (NOP, NOP, NOP, EOL)
		b := maestro.AppendFrame(g.buf(), fr)
		b = append(b, 0, 0, 0, 0)
		copy(b[38:], b[34:len(b)-4])
		copy(b[34:38], []byte{1, 1, 1, 0})
		ip := b[14:]
		ip[0] = 0x46
		binary.BigEndian.PutUint16(ip[2:], binary.BigEndian.Uint16(ip[2:])+4)
		fixIPv4Checksum(ip)
		g.emit(port, b)
		return
	case 1: // a TTL a router must not forward
		b := maestro.AppendFrame(g.buf(), fr)
		b[14+8] = byte(g.rng.IntN(2))
		fixIPv4Checksum(b[14:])
		g.emit(port, b)
		return
	case 2:
		fr.EthDst = []maestro.MAC{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}}[g.rng.IntN(2)]
	default:
		fr.NoUDPChecksum = true // a no-op for TCP
	}
	g.emit(port, maestro.AppendFrame(g.buf(), fr))
}
