package maestro

import (
	"encoding/binary"
	"fmt"
)

// MAC is an Ethernet address. It is a comparable array, usable as a
// container key.
type MAC [6]byte

// String formats m as aa:bb:cc:dd:ee:ff.
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// IsBroadcast reports whether m is ff:ff:ff:ff:ff:ff.
func (m MAC) IsBroadcast() bool { return m == MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff} }

// IsMulticast reports whether m has the group bit set (broadcast included).
func (m MAC) IsMulticast() bool { return m[0]&1 == 1 }

// EtherType values the parser understands.
const (
	EtherTypeIPv4 uint16 = 0x0800
	EtherTypeARP  uint16 = 0x0806
	EtherTypeVLAN uint16 = 0x8100
	EtherTypeIPv6 uint16 = 0x86dd
)

// IP protocol numbers the parser understands.
const (
	ProtoICMP uint8 = 1
	ProtoTCP  uint8 = 6
	ProtoUDP  uint8 = 17
)

// L3 says what the Ethernet payload is.
type L3 uint8

// L3 kinds.
const (
	L3None  L3 = iota // no usable Ethernet header
	L3IPv4            // IPv4 (check Packet.Reason for malformations)
	L3IPv6            // IPv6: classified only, no fields parsed
	L3ARP             // ARP: classified only
	L3Other           // any other EtherType
)

// L4 says what the IPv4 payload is.
type L4 uint8

// L4 kinds.
const (
	L4None  L4 = iota // no transport header parsed (non-IPv4, fragment, malformed)
	L4TCP             // TCP: SrcPort, DstPort, TCPFlags valid
	L4UDP             // UDP: SrcPort, DstPort valid
	L4ICMP            // ICMP: ICMPType, ICMPCode valid
	L4Other           // another protocol; Proto says which
)

// Reason says why a frame was not parsed all the way to its transport header.
// Parsing stops at the first problem; the fields before it stay valid, the
// ones after it are zero. A Reason is also an error.
type Reason uint8

// Parse outcomes. The three with a well-formed IPv4 header come first, so
// that IsIPv4, which every NF calls on every packet, tests one bound.
const (
	ReasonOK             Reason = iota // fully parsed
	ReasonFragment                     // an IPv4 fragment: no transport header parsed
	ReasonTruncatedL4                  // transport header does not fit in the IPv4 payload
	ReasonTruncatedEth                 // shorter than an Ethernet (or 802.1Q) header
	ReasonNotIPv4                      // EtherType is not IPv4 (see Packet.L3)
	ReasonTruncatedIPv4                // shorter than the IPv4 header it announces
	ReasonBadVersion                   // EtherType IPv4 but version field is not 4
	ReasonBadIHL                       // IHL below 5 (20 bytes)
	ReasonBadTotalLength               // total length below the header or beyond the frame
)

var reasonText = [...]string{
	ReasonOK:             "ok",
	ReasonTruncatedEth:   "truncated Ethernet header",
	ReasonNotIPv4:        "not IPv4",
	ReasonTruncatedIPv4:  "truncated IPv4 header",
	ReasonBadVersion:     "IPv4 version field is not 4",
	ReasonBadIHL:         "IPv4 IHL below 5",
	ReasonBadTotalLength: "IPv4 total length inconsistent with frame",
	ReasonFragment:       "IPv4 fragment",
	ReasonTruncatedL4:    "truncated transport header",
}

// String describes r.
func (r Reason) String() string {
	if int(r) < len(reasonText) {
		return reasonText[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Error makes a Reason usable as an error.
func (r Reason) Error() string { return r.String() }

// Packet is a zero-copy view of one Ethernet frame with its parsed header
// fields. Parsing never allocates and never panics; setters rewrite Data in
// place and update the IPv4 and TCP/UDP checksums incrementally (RFC 1624).
//
// Addresses and ports are in host byte order: 10.0.0.1 is 0x0a000001.
// A Packet is reused by backends: an NF must not keep it after Process.
//
// # The RSS contract
//
// The fields an RSS NIC hashes are exposed exactly when the NIC hashes them,
// so that a sharding key read from them always equals what the NIC hashed:
//
//   - SrcIP and DstIP are set only when IsIPv4 reports true: the NIC hashes
//     the frame as IPv4 (at least the 2-tuple). For every other frame
//     (non-IPv4, truncated, bad version, IHL or total length) they are zero,
//     even when the bytes are there.
//   - SrcPort and DstPort are set only when HasPorts reports true: the NIC
//     hashes the 4-tuple (unfragmented TCP or UDP with a complete header).
//     For every other frame (ICMP, fragments, truncated transport headers,
//     other protocols) they are zero.
//
// The Toeplitz hash of an all-zero input is zero, and zero input bits add
// nothing to a hash, so a key built from these fields hashes to the queue
// the NIC picked for the frame: RETA[0] for a frame it does not hash, the
// 2-tuple's queue for an IPv4 frame without ports. This holds for a port
// configured to hash every IPv4 type (rss.HashIPv4All, what the RSS solver
// emits); nic/soft's RSSDispatcher computes queues from these fields.
// Setters refuse to write a field that is not exposed. The other fields
// (TotalLen, TTL, Proto, fragment fields) are not hashed and may be set on
// frames that IsIPv4 rejects.
type Packet struct {
	// Data is the whole frame, starting at the Ethernet destination address.
	Data []byte
	// InPort is the port the frame arrived on.
	InPort Port
	// Time is the arrival time in nanoseconds (from the trace or the NIC);
	// NFs use it instead of the wall clock so that runs replay exactly.
	// It never goes back from one packet to the next: the software
	// backend processes a frame stamped earlier than the frame before it
	// at that frame's time (soft.Result.ClampedTimes), since a
	// shared-nothing NF's cores expire their state at the times of their
	// own packets, which matches the sequential NF only then.
	Time int64

	// Reason says how far parsing got; ReasonOK means all headers parsed.
	Reason Reason
	// L3 and L4 classify the frame.
	L3 L3
	L4 L4

	EthDst, EthSrc MAC
	// EtherType is the type after the optional 802.1Q tag.
	EtherType uint16
	// HasVLAN reports a single 802.1Q tag; VLAN is its 12-bit VLAN ID.
	HasVLAN bool
	VLAN    uint16

	// L3Off, L4Off and PayloadOff are byte offsets into Data of the network
	// header, the transport header and the transport payload (0 if absent).
	L3Off, L4Off, PayloadOff int

	// SrcIP and DstIP are the IPv4 addresses; they are zero unless IsIPv4
	// (see the RSS contract above).
	SrcIP, DstIP uint32
	// Proto, TTL and TotalLen are valid when L3 == L3IPv4 and parsing
	// reached them (a malformed total length still sets them).
	Proto    uint8
	TTL      uint8
	TotalLen uint16
	// FragOffset is in 8-byte units; MoreFragments is the MF flag.
	FragOffset    uint16
	MoreFragments bool

	// SrcPort and DstPort are the TCP or UDP ports; they are zero unless
	// HasPorts (see the RSS contract above).
	SrcPort, DstPort uint16
	// TCPFlags is valid for L4TCP, ICMPType and ICMPCode for L4ICMP.
	TCPFlags           uint8
	ICMPType, ICMPCode uint8
}

// Reset makes p a view of data, received on port in at time t, and parses it.
//
// The frame most traffic is (no VLAN tag, IPv4 without options, not
// fragmented, TCP or UDP with its whole header within the total length) is
// parsed here, at constant offsets: no call, none of the general parse's
// offset arithmetic, and few length checks (cachegrind: 125 instructions per
// TCP/UDP frame through parse, 85 here). Every other frame takes parse, and
// both give the same fields (TestResetWritesEveryField,
// FuzzResetMatchesReference).
func (p *Packet) Reset(data []byte, in Port, t int64) {
	p.Load(data, in, t)
	d := data
	// 54 bytes hold the Ethernet, IPv4 and TCP headers: every constant
	// index below is in range.
	if len(d) < 54 || binary.BigEndian.Uint16(d[12:14]) != EtherTypeIPv4 || d[14] != 0x45 {
		p.parse(d)
		return
	}
	total := int(binary.BigEndian.Uint16(d[16:18]))
	seg, proto := total-20, d[23]
	hdr := 8
	if proto == ProtoTCP {
		hdr = int(d[46]>>4) << 2
	}
	if total > len(d)-14 || binary.BigEndian.Uint16(d[20:22])&0x3fff != 0 ||
		proto != ProtoTCP && proto != ProtoUDP || hdr > seg || proto == ProtoTCP && hdr < 20 {
		p.parse(d)
		return
	}
	p.L4 = L4UDP
	if proto == ProtoTCP {
		p.L4, p.TCPFlags = L4TCP, d[47]
	}
	// Two statements: as one tuple assignment, the compiler copies the
	// addresses through a temporary on the stack.
	p.EthDst = MAC(d[0:6])
	p.EthSrc = MAC(d[6:12])
	p.EtherType, p.L3Off, p.L3 = EtherTypeIPv4, 14, L3IPv4
	p.TotalLen, p.TTL, p.Proto = uint16(total), d[22], proto
	p.SrcIP, p.DstIP = binary.BigEndian.Uint32(d[26:30]), binary.BigEndian.Uint32(d[30:34])
	p.L4Off, p.PayloadOff = 34, 34+hdr
	p.SrcPort, p.DstPort = binary.BigEndian.Uint16(d[34:36]), binary.BigEndian.Uint16(d[36:38])
}

// Load makes p a view of data, received on port in at time t, without
// parsing it: every header field is zero (L3None, no ports) until Parse.
// Backends use it for NFs that read no header field (nic.HeaderReader),
// which then cost no parse, as dpdk-testpmd's io mode never reads a frame.
func (p *Packet) Load(data []byte, in Port, t int64) {
	// Zero p in place, then set the three given fields: assigning a
	// composite literal instead builds the whole Packet in a temporary on
	// the stack and copies it, twice the stores.
	*p = Packet{}
	p.Data = data
	p.InPort = in
	p.Time = t
}

// Parse re-parses p.Data, keeping InPort and Time.
func (p *Packet) Parse() { p.Reset(p.Data, p.InPort, p.Time) }

// IsIPv4 reports whether a well-formed IPv4 header parsed: SrcIP, DstIP,
// Proto and TTL are valid. Fragments and packets with a truncated transport
// header count; malformed IPv4 headers do not. This is also when an RSS NIC
// hashes the frame as IPv4; SrcIP and DstIP are zero otherwise.
func (p *Packet) IsIPv4() bool {
	return p.L3 == L3IPv4 && p.Reason <= ReasonTruncatedL4 // OK, Fragment or TruncatedL4
}

// HasPorts reports whether SrcPort and DstPort are valid: a TCP or UDP packet
// that is not a fragment. This is also when an RSS NIC hashes the L4 ports;
// SrcPort and DstPort are zero otherwise.
func (p *Packet) HasPorts() bool { return p.L4 == L4TCP || p.L4 == L4UDP }

// Len returns the frame length in bytes.
func (p *Packet) Len() int { return len(p.Data) }

// parse fills the header fields of any frame from d (== p.Data, passed so
// that it stays in a register after Load's zeroing stores); Reset handles
// the common frame itself.
func (p *Packet) parse(d []byte) {
	if len(d) < 14 {
		p.Reason = ReasonTruncatedEth
		return
	}
	p.EthDst = MAC(d[0:6])
	p.EthSrc = MAC(d[6:12])
	et := uint16(d[12])<<8 | uint16(d[13])
	off := 14
	if et == EtherTypeVLAN {
		if len(d) < 18 {
			p.EthDst, p.EthSrc = MAC{}, MAC{}
			p.Reason = ReasonTruncatedEth
			return
		}
		p.HasVLAN = true
		p.VLAN = (uint16(d[14])<<8 | uint16(d[15])) & 0x0fff
		et = uint16(d[16])<<8 | uint16(d[17])
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
	ip = ip[:len(ip):len(ip)]
	_ = ip[19]
	if ip[0]>>4 != 4 {
		p.Reason = ReasonBadVersion
		return
	}
	ihl := int(ip[0]&0x0f) << 2
	if ihl < 20 {
		p.Reason = ReasonBadIHL
		return
	}
	if len(ip) < ihl {
		p.Reason = ReasonTruncatedIPv4
		return
	}
	total := int(ip[2])<<8 | int(ip[3])
	p.TotalLen = uint16(total)
	p.TTL = ip[8]
	p.Proto = ip[9]
	frag := uint16(ip[6])<<8 | uint16(ip[7])
	p.FragOffset = frag & 0x1fff
	p.MoreFragments = frag&0x2000 != 0
	if total < ihl || total > len(ip) {
		// The NIC does not hash such a frame as IPv4 (IsIPv4 is false), so
		// its addresses stay zero: a sharding key read from them must land
		// where the NIC put the frame (see Packet).
		p.Reason = ReasonBadTotalLength
		return
	}
	p.SrcIP = binary.BigEndian.Uint32(ip[12:16])
	p.DstIP = binary.BigEndian.Uint32(ip[16:20])
	if frag&0x3fff != 0 {
		p.Reason = ReasonFragment
		return
	}
	l4 := off + ihl
	p.L4Off = l4
	seg := ip[ihl:total]
	switch p.Proto {
	case ProtoTCP:
		if len(seg) < 20 {
			p.Reason = ReasonTruncatedL4
			return
		}
		doff := int(seg[12]>>4) << 2
		if doff < 20 || doff > len(seg) {
			p.Reason = ReasonTruncatedL4
			return
		}
		p.L4 = L4TCP
		p.SrcPort = uint16(seg[0])<<8 | uint16(seg[1])
		p.DstPort = uint16(seg[2])<<8 | uint16(seg[3])
		p.TCPFlags = seg[13]
		p.PayloadOff = l4 + doff
	case ProtoUDP:
		if len(seg) < 8 {
			p.Reason = ReasonTruncatedL4
			return
		}
		p.L4 = L4UDP
		p.SrcPort = uint16(seg[0])<<8 | uint16(seg[1])
		p.DstPort = uint16(seg[2])<<8 | uint16(seg[3])
		p.PayloadOff = l4 + 8
	case ProtoICMP:
		if len(seg) < 4 {
			p.Reason = ReasonTruncatedL4
			return
		}
		p.L4 = L4ICMP
		p.ICMPType = seg[0]
		p.ICMPCode = seg[1]
		p.PayloadOff = l4 + 4
	default:
		p.L4 = L4Other
		p.PayloadOff = l4
	}
}
