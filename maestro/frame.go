package maestro

import "encoding/binary"

// Frame describes an Ethernet/IPv4 frame for AppendFrame. Traffic generators
// and tests use it to build valid packets (checksums computed in full).
type Frame struct {
	EthDst, EthSrc MAC
	// VLAN, when non-zero, adds one 802.1Q tag with this VLAN ID.
	VLAN             uint16
	SrcIP, DstIP     uint32
	Proto            uint8 // ProtoTCP, ProtoUDP, ProtoICMP or another protocol
	SrcPort, DstPort uint16
	TTL              uint8 // 0 means 64
	TCPFlags         uint8
	// Size is the total frame length in bytes without the FCS (at least the
	// headers; 60 is the Ethernet minimum of 64 bytes with FCS). Smaller
	// values are raised to the header length.
	Size int
	// NoUDPChecksum leaves the UDP checksum zero ("not computed").
	NoUDPChecksum bool
}

// AppendFrame appends the frame described by f to dst and returns the
// extended slice. The payload is zero bytes.
func AppendFrame(dst []byte, f Frame) []byte {
	l4len := 0
	switch f.Proto {
	case ProtoTCP:
		l4len = 20
	case ProtoUDP:
		l4len = 8
	case ProtoICMP:
		l4len = 8
	}
	hdr := 14 + 20 + l4len
	if f.VLAN != 0 {
		hdr += 4
	}
	size := max(f.Size, hdr)
	start := len(dst)
	dst = append(dst, make([]byte, size)...)
	b := dst[start:]
	copy(b[0:6], f.EthDst[:])
	copy(b[6:12], f.EthSrc[:])
	off := 12
	if f.VLAN != 0 {
		binary.BigEndian.PutUint16(b[off:], EtherTypeVLAN)
		binary.BigEndian.PutUint16(b[off+2:], f.VLAN&0x0fff)
		off += 4
	}
	binary.BigEndian.PutUint16(b[off:], EtherTypeIPv4)
	off += 2
	ip := b[off:]
	total := size - off
	ttl := f.TTL
	if ttl == 0 {
		ttl = 64
	}
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(total))
	ip[8] = ttl
	ip[9] = f.Proto
	binary.BigEndian.PutUint32(ip[12:], f.SrcIP)
	binary.BigEndian.PutUint32(ip[16:], f.DstIP)
	binary.BigEndian.PutUint16(ip[10:], Checksum(ip[:20], 0))
	seg := ip[20:total]
	switch f.Proto {
	case ProtoTCP:
		binary.BigEndian.PutUint16(seg[0:], f.SrcPort)
		binary.BigEndian.PutUint16(seg[2:], f.DstPort)
		seg[12] = 5 << 4
		seg[13] = f.TCPFlags
		binary.BigEndian.PutUint16(seg[14:], 65535)
		binary.BigEndian.PutUint16(seg[16:], Checksum(seg, pseudoSum(f.SrcIP, f.DstIP, f.Proto, len(seg))))
	case ProtoUDP:
		binary.BigEndian.PutUint16(seg[0:], f.SrcPort)
		binary.BigEndian.PutUint16(seg[2:], f.DstPort)
		binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)))
		if !f.NoUDPChecksum {
			c := Checksum(seg, pseudoSum(f.SrcIP, f.DstIP, f.Proto, len(seg)))
			if c == 0 {
				c = 0xffff
			}
			binary.BigEndian.PutUint16(seg[6:], c)
		}
	case ProtoICMP:
		seg[0] = 8 // echo request
		binary.BigEndian.PutUint16(seg[2:], Checksum(seg, 0))
	}
	return dst
}

func pseudoSum(src, dst uint32, proto uint8, l4len int) uint32 {
	return src>>16 + src&0xffff + dst>>16 + dst&0xffff + uint32(proto) + uint32(l4len)
}

// Checksum returns the Internet checksum (RFC 1071) of b, starting from the
// partial one's-complement sum initial (0, or a pseudo-header sum).
func Checksum(b []byte, initial uint32) uint16 {
	s := uint64(initial)
	for len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
