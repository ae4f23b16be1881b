package maestro

import "encoding/binary"

// Checksums are updated incrementally (RFC 1624, eqn. 3):
//
//	HC' = ~(~HC + ~m + m')
//
// for every 16-bit word m that changes to m'. This costs a few adds per
// rewritten field instead of a pass over the packet, and it keeps a correct
// checksum correct. The IPv4 addresses are part of the TCP/UDP
// pseudo-header, so rewriting them updates the transport checksum too. A
// zero UDP checksum means "none" and stays zero.
//
// Fragments: the parser exposes no transport header for a fragment (the
// NIC does not hash its ports), so on a fragment only the IPv4 header
// checksum is updated. The transport checksum, carried by the first
// fragment and covering the whole datagram and its pseudo-header, is left
// as it was: an NF that rewrites the addresses of fragments delivers a
// datagram whose transport checksum no longer matches. Drop or reassemble
// fragments before rewriting them.

// csumAdd folds the one's-complement sum of ~old + new into an unfolded sum.
func csumReplace16(sum uint16, old, new uint16) uint16 {
	s := uint32(^sum) + uint32(^old) + uint32(new)
	s = (s & 0xffff) + (s >> 16)
	s = (s & 0xffff) + (s >> 16)
	return ^uint16(s)
}

func csumReplace32(sum uint16, old, new uint32) uint16 {
	sum = csumReplace16(sum, uint16(old>>16), uint16(new>>16))
	return csumReplace16(sum, uint16(old), uint16(new))
}

// l4CsumOff returns the offset of the TCP or UDP checksum field, or -1 when
// the transport header is absent or has no checksum we maintain.
func (p *Packet) l4CsumOff() int {
	switch p.L4 {
	case L4TCP:
		return p.L4Off + 16
	case L4UDP:
		return p.L4Off + 6
	}
	return -1
}

// updateL4Csum applies a 16-bit word change to the transport checksum,
// keeping a zero UDP checksum zero and never producing zero for UDP.
func (p *Packet) updateL4Csum(old, new uint32, wide bool) {
	off := p.l4CsumOff()
	if off < 0 {
		return
	}
	c := binary.BigEndian.Uint16(p.Data[off:])
	if p.L4 == L4UDP && c == 0 {
		return
	}
	if wide {
		c = csumReplace32(c, old, new)
	} else {
		c = csumReplace16(c, uint16(old), uint16(new))
	}
	if p.L4 == L4UDP && c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(p.Data[off:], c)
}

// SetEthSrc rewrites the Ethernet source address. It reports false (and
// changes nothing) when the frame has no Ethernet header.
func (p *Packet) SetEthSrc(m MAC) bool {
	if p.Reason == ReasonTruncatedEth {
		return false
	}
	copy(p.Data[6:12], m[:])
	p.EthSrc = m
	return true
}

// SetEthDst rewrites the Ethernet destination address. It reports false (and
// changes nothing) when the frame has no Ethernet header.
func (p *Packet) SetEthDst(m MAC) bool {
	if p.Reason == ReasonTruncatedEth {
		return false
	}
	copy(p.Data[0:6], m[:])
	p.EthDst = m
	return true
}

func (p *Packet) setIP(fieldOff int, cur *uint32, ip uint32) bool {
	if !p.IsIPv4() {
		return false
	}
	old := *cur
	off := p.L3Off
	binary.BigEndian.PutUint32(p.Data[off+fieldOff:], ip)
	hc := binary.BigEndian.Uint16(p.Data[off+10:])
	binary.BigEndian.PutUint16(p.Data[off+10:], csumReplace32(hc, old, ip))
	p.updateL4Csum(old, ip, true)
	*cur = ip
	return true
}

// SetSrcIP rewrites the IPv4 source address and fixes the IPv4 and TCP/UDP
// checksums. It reports false (and changes nothing) on a non-IPv4 frame.
func (p *Packet) SetSrcIP(ip uint32) bool { return p.setIP(12, &p.SrcIP, ip) }

// SetDstIP rewrites the IPv4 destination address and fixes the IPv4 and
// TCP/UDP checksums. It reports false (and changes nothing) on a non-IPv4
// frame.
func (p *Packet) SetDstIP(ip uint32) bool { return p.setIP(16, &p.DstIP, ip) }

func (p *Packet) setPort(fieldOff int, cur *uint16, port uint16) bool {
	if !p.HasPorts() {
		return false
	}
	old := *cur
	binary.BigEndian.PutUint16(p.Data[p.L4Off+fieldOff:], port)
	p.updateL4Csum(uint32(old), uint32(port), false)
	*cur = port
	return true
}

// SetSrcPort rewrites the TCP or UDP source port and fixes the checksum. It
// reports false (and changes nothing) when the packet has no ports.
func (p *Packet) SetSrcPort(port uint16) bool { return p.setPort(0, &p.SrcPort, port) }

// SetDstPort rewrites the TCP or UDP destination port and fixes the checksum.
// It reports false (and changes nothing) when the packet has no ports.
func (p *Packet) SetDstPort(port uint16) bool { return p.setPort(2, &p.DstPort, port) }

// SetTTL rewrites the IPv4 TTL and fixes the header checksum. It reports
// false (and changes nothing) on a non-IPv4 frame.
func (p *Packet) SetTTL(ttl uint8) bool {
	if !p.IsIPv4() {
		return false
	}
	off := p.L3Off
	// TTL shares a 16-bit word with the protocol number.
	oldw := uint16(p.TTL)<<8 | uint16(p.Proto)
	neww := uint16(ttl)<<8 | uint16(p.Proto)
	p.Data[off+8] = ttl
	hc := binary.BigEndian.Uint16(p.Data[off+10:])
	binary.BigEndian.PutUint16(p.Data[off+10:], csumReplace16(hc, oldw, neww))
	p.TTL = ttl
	return true
}

// DecTTL decrements the TTL as a router does; it reports false when the
// packet is not IPv4 or the TTL is already 0 or 1 (the packet must not be
// forwarded).
func (p *Packet) DecTTL() bool {
	if !p.IsIPv4() || p.TTL <= 1 {
		return false
	}
	return p.SetTTL(p.TTL - 1)
}
