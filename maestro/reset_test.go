package maestro

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// refReset is the reference Reset: zero the whole Packet, then write only
// the fields the frame reaches. Reset writes every field once instead;
// the two must agree on every frame.
func refReset(p *Packet, d []byte, in Port, t int64) {
	*p = Packet{Data: d, InPort: in, Time: t}
	if len(d) < 14 {
		p.Reason = ReasonTruncatedEth
		return
	}
	p.EthDst = MAC(d[0:6])
	p.EthSrc = MAC(d[6:12])
	et := binary.BigEndian.Uint16(d[12:14])
	off := 14
	if et == EtherTypeVLAN {
		if len(d) < 18 {
			p.EthDst, p.EthSrc = MAC{}, MAC{}
			p.Reason = ReasonTruncatedEth
			return
		}
		p.HasVLAN = true
		p.VLAN = binary.BigEndian.Uint16(d[14:16]) & 0x0fff
		et = binary.BigEndian.Uint16(d[16:18])
		off = 18
	}
	p.EtherType = et
	p.L3Off = off
	if et != EtherTypeIPv4 {
		p.Reason = ReasonNotIPv4
		switch et {
		case EtherTypeIPv6:
			p.L3 = L3IPv6
		case EtherTypeARP:
			p.L3 = L3ARP
		default:
			p.L3 = L3Other
		}
		return
	}
	p.L3 = L3IPv4
	ip := d[off:]
	if len(ip) < 20 {
		p.Reason = ReasonTruncatedIPv4
		return
	}
	if ip[0]>>4 != 4 {
		p.Reason = ReasonBadVersion
		return
	}
	ihl := int(ip[0]&0x0f) * 4
	if ihl < 20 {
		p.Reason = ReasonBadIHL
		return
	}
	if len(ip) < ihl {
		p.Reason = ReasonTruncatedIPv4
		return
	}
	total := int(binary.BigEndian.Uint16(ip[2:4]))
	p.TotalLen = uint16(total)
	p.TTL = ip[8]
	p.Proto = ip[9]
	frag := binary.BigEndian.Uint16(ip[6:8])
	p.FragOffset = frag & 0x1fff
	p.MoreFragments = frag&0x2000 != 0
	if total < ihl || total > len(ip) {
		p.Reason = ReasonBadTotalLength
		return
	}
	p.SrcIP = binary.BigEndian.Uint32(ip[12:16])
	p.DstIP = binary.BigEndian.Uint32(ip[16:20])
	if frag&0x3fff != 0 {
		p.Reason = ReasonFragment
		return
	}
	p.L4Off = off + ihl
	seg := ip[ihl:total]
	switch p.Proto {
	case ProtoTCP:
		if len(seg) < 20 || int(seg[12]>>4)*4 < 20 || int(seg[12]>>4)*4 > len(seg) {
			p.Reason = ReasonTruncatedL4
			return
		}
		p.L4 = L4TCP
		p.SrcPort = binary.BigEndian.Uint16(seg[0:2])
		p.DstPort = binary.BigEndian.Uint16(seg[2:4])
		p.TCPFlags = seg[13]
		p.PayloadOff = p.L4Off + int(seg[12]>>4)*4
	case ProtoUDP:
		if len(seg) < 8 {
			p.Reason = ReasonTruncatedL4
			return
		}
		p.L4 = L4UDP
		p.SrcPort = binary.BigEndian.Uint16(seg[0:2])
		p.DstPort = binary.BigEndian.Uint16(seg[2:4])
		p.PayloadOff = p.L4Off + 8
	case ProtoICMP:
		if len(seg) < 4 {
			p.Reason = ReasonTruncatedL4
			return
		}
		p.L4 = L4ICMP
		p.ICMPType = seg[0]
		p.ICMPCode = seg[1]
		p.PayloadOff = p.L4Off + 4
	default:
		p.L4 = L4Other
		p.PayloadOff = p.L4Off
	}
}

// dirty sets every field of p to a non-zero value, so that a field Reset
// forgets to write shows.
func dirty(p *Packet) {
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(^uint64(0) >> (64 - f.Type().Bits()))
		case reflect.Int, reflect.Int64:
			f.SetInt(-1)
		case reflect.Array:
			for j := range f.Len() {
				f.Index(j).SetUint(0xff)
			}
		case reflect.Slice:
			f.SetBytes([]byte{0xee})
		default:
			panic("dirty: field " + v.Type().Field(i).Name + " of an unhandled kind")
		}
	}
}

// pathFrames returns frames that take every path of the parser: each
// Reason, each L3 and each L4 kind, with and without a VLAN tag.
func pathFrames() [][]byte {
	tcp := Frame{EthDst: macB, EthSrc: macA, SrcIP: 0x0a000001, DstIP: 0x0a000002, Proto: ProtoTCP, SrcPort: 3, DstPort: 4, TCPFlags: 0x12, TTL: 9, Size: 80}
	var frames [][]byte
	for _, vlan := range []uint16{0, 7} {
		tcp.VLAN = vlan
		l3 := 14
		if vlan != 0 {
			l3 = 18
		}
		good := AppendFrame(nil, tcp)
		udp := AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, VLAN: vlan, SrcIP: 5, DstIP: 6, Proto: ProtoUDP, SrcPort: 7, DstPort: 8, Size: 60})
		icmp := AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, VLAN: vlan, SrcIP: 5, DstIP: 6, Proto: ProtoICMP, Size: 60})
		frames = append(frames, good, udp, icmp,
			AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, VLAN: vlan, SrcIP: 5, DstIP: 6, Proto: 47, Size: 60}),
			good[:l3-1], good[:l3+19], good[:l3+20])
		mut := func(b []byte, f func(b []byte)) []byte {
			b = append([]byte(nil), b...)
			f(b)
			return b
		}
		et := func(v uint16) func(b []byte) { return func(b []byte) { binary.BigEndian.PutUint16(b[l3-2:], v) } }
		frames = append(frames,
			mut(good, et(EtherTypeIPv6)), mut(good, et(EtherTypeARP)), mut(good, et(0)),
			mut(good, func(b []byte) { b[l3] = 0x65 }),                                              // bad version
			mut(good, func(b []byte) { b[l3] = 0x44 }),                                              // IHL 16
			mut(good, func(b []byte) { b[l3] = 0x4f })[:l3+40],                                      // IHL 60 beyond the frame
			mut(good, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 19) }),                  // total below the header
			mut(good, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 1500) }),                // total beyond the frame
			mut(good, func(b []byte) { b[l3+6] = 0x20 }),                                            // MF
			mut(good, func(b []byte) { b[l3+7] = 3 }),                                               // offset
			mut(good, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 20+19) }),               // TCP cut by total
			mut(good, func(b []byte) { b[l3+20+12] = 0x40 }),                                        // TCP data offset 16
			mut(good, func(b []byte) { b[l3+20+12] = 0xf0 }),                                        // TCP data offset 60
			mut(udp, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 20+7) }),                 // UDP cut
			mut(icmp, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 20+3) }),                // ICMP cut
			mut(good, func(b []byte) { b[l3] = 0x46; binary.BigEndian.PutUint16(b[l3+2:], 24+20) }), // options
			// At the edges of Reset's constant-offset path for untagged
			// frames: Ethernet padding after a bare UDP header, a TCP
			// header that fills the datagram, the 54 bytes the path
			// needs, a datagram with no room for a header, and a total
			// length below the IPv4 header.
			mut(udp, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 20+8) }),
			mut(good, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 20+20) })[:l3+40],
			mut(good, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 20+20) })[:54],
			mut(udp, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 20) }),
			mut(udp, func(b []byte) { binary.BigEndian.PutUint16(b[l3+2:], 12) }),
		)
	}
	return append(frames, nil, []byte{0x81, 0}, make([]byte, 64))
}

// TestResetWritesEveryField parses frames taking every parser path into a
// Packet whose fields are all dirty, and checks the result equals the
// reference zero-then-parse, field for field; and that the frames do
// cover every Reason, L3 and L4.
func TestResetWritesEveryField(t *testing.T) {
	reasons, l3s, l4s := map[Reason]bool{}, map[L3]bool{}, map[L4]bool{}
	for _, f := range pathFrames() {
		var got, want Packet
		dirty(&got)
		got.Reset(f, 3, 11)
		refReset(&want, f, 3, 11)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("frame %x:\ngot  %+v\nwant %+v", f, got, want)
		}
		reasons[want.Reason], l3s[want.L3], l4s[want.L4] = true, true, true
	}
	for r := range Reason(len(reasonText)) {
		if !reasons[r] {
			t.Errorf("no frame takes the %v path", r)
		}
	}
	for k := L3None; k <= L3Other; k++ {
		if !l3s[k] {
			t.Errorf("no frame with L3 %d", k)
		}
	}
	for k := L4None; k <= L4Other; k++ {
		if !l4s[k] {
			t.Errorf("no frame with L4 %d", k)
		}
	}
}

// FuzzResetMatchesReference checks Reset against the reference on any
// frame, into a dirty Packet.
func FuzzResetMatchesReference(f *testing.F) {
	for _, fr := range pathFrames() {
		f.Add(fr)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want Packet
		dirty(&got)
		got.Reset(data, 1, 2)
		refReset(&want, data, 1, 2)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("frame %x:\ngot  %+v\nwant %+v", data, got, want)
		}
	})
}
