// Package fw is a stateful firewall, strict by default. LAN packets create
// or refresh the state of their flow and pass to the WAN; WAN packets pass
// to the LAN only when they belong to a live flow. Flows expire after a
// timeout without LAN or WAN traffic. A full flow table drops new LAN flows
// and keeps the existing ones. Non-IPv4 frames are dropped.
//
// # What a flow is
//
// A flow is keyed by its 5-tuple as seen from the LAN (src, dst, sport,
// dport, proto), looked up with the reversed tuple on the WAN side:
//
//   - TCP and UDP: the ports, read from the transport header, also in a
//     first fragment (offset 0, MF set), whose header the parser leaves
//     alone (the NIC does not hash its ports): the FW reads them from the
//     frame bytes.
//   - ICMP echo: the identifier stands for both ports. A LAN echo request
//     opens (or refreshes) the flow (LAN host, server, id); a WAN echo reply
//     passes only when it comes from that server to that host with that
//     identifier.
//   - Other IP protocols: ports 0, so addresses and protocol.
//
// A first fragment too short to hold 8 bytes of its transport header (the
// "tiny fragment" of RFC 1858) and a datagram whose transport header is
// truncated are dropped on both sides: there is nothing to match.
//
// # ICMP and fragments from the WAN
//
//   - ICMP errors (destination unreachable, time exceeded, parameter
//     problem) pass when the datagram they quote (an IPv4 header and the
//     first 8 bytes of its transport header) belongs to a live flow and was
//     sent by the LAN host the error is addressed to (quoted source ==
//     outer destination). They refresh nothing: a stream of errors does not
//     keep a flow alive.
//   - Every other WAN ICMP message (echo requests, redirects, router
//     advertisements, errors quoting anything else) is dropped.
//   - A non-first fragment passes only when its datagram is known: an
//     admitted first fragment records (src, dst, IP ID, proto) in a second
//     table, which later fragments of the datagram find (and refresh).
//     Limitation: the FW does not reassemble, so fragments that arrive
//     before their first fragment are dropped, as is the rest of a datagram
//     whose first fragment the FW never saw.
//
// On the LAN side every well-formed IPv4 packet passes (the LAN is
// trusted), but only TCP, UDP, other protocols and ICMP echo requests
// create state: LAN ICMP errors and echo replies, and non-first fragments,
// pass without opening anything.
//
// # The paper's firewall
//
// The Maestro paper's FW is a bare 5-tuple match: any WAN packet whose
// reversed 5-tuple (ports 0 where the packet has none) is a live flow
// passes. Once a LAN host has sent any ICMP message to a server, every ICMP
// message from that server passes; a non-first fragment matches with ports
// 0, a first fragment too. That behaviour is the NF of package
// examples/fwbasic ("fw-basic" in the catalog), kept as the paper's
// reference.
//
// # Sharding
//
// An ICMP error comes from a router, not from the flow's server, and a
// fragment carries no ports the NIC hashes, so the only packet field every
// packet of a flow shares is the LAN host's address. Maestro's plan for
// this FW shards by it: RSS hashes only the source address on the LAN port
// and only the destination address on the WAN port (maestrogen -explain
// ./examples/fw prints it). That is inherent to strict matching; the
// paper's FW in examples/fwbasic keeps 5-tuple sharding.
package fw

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The FW's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a FW.
type Config struct {
	// Capacity is the maximum number of flows (default 65536), and of
	// fragmented datagrams being tracked.
	Capacity int
	// Timeout is how long a flow, or a fragmented datagram, lives without
	// traffic (default 10s).
	Timeout time.Duration
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config { return Config{Capacity: 65536, Timeout: 10 * time.Second} }

// FragID names a fragmented IPv4 datagram: addresses, IP identification
// and protocol (RFC 791), as they appear in its fragments.
type FragID struct {
	SrcIP, DstIP uint32
	ID           uint16
	Proto        uint8
	_            uint8 // no padding: containers hash the key's bytes
}

// FW is the firewall.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
	//maestro:state
	frags *maestro.Table[FragID, struct{}]
}

// New returns a FW with empty tables. Zero fields of cfg take their
// defaults.
func New(cfg Config) *FW {
	d := DefaultConfig()
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	return &FW{
		flows: maestro.NewTable[maestro.FlowID, struct{}](cfg.Capacity, int64(cfg.Timeout)),
		frags: maestro.NewTable[FragID, struct{}](cfg.Capacity, int64(cfg.Timeout)),
	}
}

// ICMP types the FW tells apart, and the header sizes it reads.
const (
	icmpEchoReply     = 0
	icmpUnreachable   = 3
	icmpEchoRequest   = 8
	icmpTimeExceeded  = 11
	icmpParamProblem  = 12
	icmpHeaderLen     = 8 // type, code, checksum, and the identifier/sequence (or unused) word
	transportPrefix   = 8 // bytes of the transport header an ICMP error quotes, and a first fragment must hold
	minIPv4HeaderSize = 20
)

// class says how the FW treats a datagram.
type class uint8

const (
	classBad       class = iota // no transport header to match
	classFlow                   // TCP, UDP or another protocol: matched by flow
	classEchoReq                // ICMP echo request: matched by flow (id as ports)
	classEchoReply              // ICMP echo reply: matched by flow (id as ports)
	classError                  // ICMP error quoting a datagram
	classICMP                   // any other ICMP message
)

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	f.frags.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return f.fromLAN(p)
	}
	return f.fromWAN(p)
}

// fromLAN passes a LAN packet, opening or refreshing its flow.
func (f *FW) fromLAN(p *maestro.Packet) maestro.Verdict {
	if p.FragOffset != 0 {
		return maestro.Forward(WAN) // a later fragment: its first fragment opened the flow
	}
	id, c := flowOf(p)
	switch c {
	case classBad:
		return maestro.Drop
	case classEchoReply, classError, classICMP:
		return maestro.Forward(WAN) // opens nothing the WAN could answer
	}
	if i, ok := f.flows.Find(id); ok {
		f.flows.Refresh(i, p.Time)
	} else if _, ok := f.flows.Insert(id, struct{}{}, p.Time); !ok {
		return maestro.Drop // table full: keep old flows, refuse new ones
	}
	return maestro.Forward(WAN)
}

// fromWAN passes a WAN packet that belongs to a live flow.
func (f *FW) fromWAN(p *maestro.Packet) maestro.Verdict {
	if p.FragOffset != 0 {
		if i, ok := f.frags.Find(fragOf(p)); ok {
			f.frags.Refresh(i, p.Time)
			return maestro.Forward(LAN)
		}
		return maestro.Drop
	}
	id, c := flowOf(p)
	switch c {
	case classFlow, classEchoReply:
		i, ok := f.flows.Find(id.Reverse())
		if !ok {
			return maestro.Drop
		}
		f.flows.Refresh(i, p.Time)
		if p.MoreFragments {
			// An admitted first fragment: its later fragments may pass.
			// A full table refuses them, not this one.
			fid := fragOf(p)
			if j, ok := f.frags.Find(fid); ok {
				f.frags.Refresh(j, p.Time)
			} else {
				f.frags.Insert(fid, struct{}{}, p.Time)
			}
		}
		return maestro.Forward(LAN)
	case classError:
		if q, ok := quoted(p); ok {
			if _, ok := f.flows.Find(q); ok {
				return maestro.Forward(LAN)
			}
		}
	}
	return maestro.Drop
}

// fragOf returns the datagram p is a fragment of.
func fragOf(p *maestro.Packet) FragID {
	d := p.Data[p.L3Off:]
	return FragID{SrcIP: p.SrcIP, DstIP: p.DstIP, ID: uint16(d[4])<<8 | uint16(d[5]), Proto: p.Proto}
}

// l4Bounds returns the offsets of p's transport header (also in a first
// fragment, where the parser leaves L4Off zero) and of the end of its IPv4
// datagram. p must be IPv4 (IsIPv4) and not a later fragment.
func l4Bounds(p *maestro.Packet) (l4, end int) {
	ihl := int(p.Data[p.L3Off]&0x0f) << 2
	return p.L3Off + ihl, p.L3Off + int(p.TotalLen)
}

// flowOf returns p's flow key, with p's own addresses (not reversed), and
// its class. p must be IPv4 (IsIPv4) and not a later fragment. The key
// is one literal built from p's address fields on every path (only the
// ports differ), so the analysis sees which packet fields it holds.
func flowOf(p *maestro.Packet) (maestro.FlowID, class) {
	sport, dport, c := p.SrcPort, p.DstPort, classFlow
	switch {
	case p.HasPorts():
		// Parsed already (and hashed by the NIC): no need for the bytes.
	case p.Reason == maestro.ReasonTruncatedL4:
		c = classBad
	default:
		l4, end := l4Bounds(p)
		sport, dport, c = transport(p.Data, l4, end, p.Proto)
	}
	return maestro.FlowID{SrcIP: p.SrcIP, DstIP: p.DstIP, SrcPort: sport, DstPort: dport, Proto: p.Proto}, c
}

// transport reads the transport header of protocol proto at d[l4:end]: the
// ports of TCP and UDP, the identifier of an ICMP echo, in both port
// positions (a reply's key is the request's reversed), and the class.
func transport(d []byte, l4, end int, proto uint8) (sport, dport uint16, c class) {
	switch proto {
	case maestro.ProtoTCP, maestro.ProtoUDP, maestro.ProtoICMP:
	default:
		return 0, 0, classFlow
	}
	if end-l4 < transportPrefix || end > len(d) {
		return 0, 0, classBad
	}
	h := d[l4 : l4+transportPrefix]
	if proto != maestro.ProtoICMP {
		return uint16(h[0])<<8 | uint16(h[1]), uint16(h[2])<<8 | uint16(h[3]), classFlow
	}
	id := uint16(h[4])<<8 | uint16(h[5])
	switch h[0] {
	case icmpEchoRequest:
		return id, id, classEchoReq
	case icmpEchoReply:
		return id, id, classEchoReply
	case icmpUnreachable, icmpTimeExceeded, icmpParamProblem:
		return 0, 0, classError
	}
	return 0, 0, classICMP
}

// quoted returns the flow key (LAN view) of the datagram a WAN ICMP error
// quotes, and whether that datagram is one a LAN flow sends: a well-formed
// IPv4 header from p's destination (the LAN host the error goes back to),
// not a later fragment, followed by 8 bytes of a TCP, UDP or ICMP echo
// request header, or of another protocol.
func quoted(p *maestro.Packet) (maestro.FlowID, bool) {
	dst, sport, dport, proto, ok := quotedFields(p)
	// The quoted source equals p.DstIP (quotedFields checks it): keying by
	// the packet field tells the analysis, and RSS, that the error belongs
	// with the LAN host. One return keeps the key a struct of known
	// components on every path.
	return maestro.FlowID{SrcIP: p.DstIP, DstIP: dst, SrcPort: sport, DstPort: dport, Proto: proto}, ok
}

// quotedFields parses the datagram a WAN ICMP error quotes (see quoted).
func quotedFields(p *maestro.Packet) (dst uint32, sport, dport uint16, proto uint8, ok bool) {
	l4, end := l4Bounds(p)
	d := p.Data
	q := l4 + icmpHeaderLen
	if end > len(d) || end-q < minIPv4HeaderSize {
		return 0, 0, 0, 0, false
	}
	ip := d[q:end]
	ihl := int(ip[0]&0x0f) << 2
	if ip[0]>>4 != 4 || ihl < minIPv4HeaderSize || (uint16(ip[6])<<8|uint16(ip[7]))&0x1fff != 0 {
		return 0, 0, 0, 0, false
	}
	src := uint32(ip[12])<<24 | uint32(ip[13])<<16 | uint32(ip[14])<<8 | uint32(ip[15])
	if src != p.DstIP {
		return 0, 0, 0, 0, false
	}
	dst = uint32(ip[16])<<24 | uint32(ip[17])<<16 | uint32(ip[18])<<8 | uint32(ip[19])
	proto = ip[9]
	sport, dport, c := transport(d, q+ihl, end, proto)
	return dst, sport, dport, proto, c == classFlow || c == classEchoReq
}
