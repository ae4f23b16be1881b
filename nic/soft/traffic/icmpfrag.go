package traffic

import (
	"encoding/binary"

	"github.com/nfmaestro/maestro/maestro"
)

// The kinds of this file reach the state of a firewall that matches ICMP
// and fragments strictly (examples/fw): pings answered by identifier, ICMP
// errors about live and dead flows from routers (addresses no flow uses,
// so an RSS key hashing them sends the error elsewhere than its flow),
// and datagrams fragmented into a first fragment with the transport
// header and later ones without. Each has a genuine case, which a strict
// firewall admits, and near misses, which it drops.

// echoID is the ICMP echo identifier of fl's pings: fixed per flow, so that
// one event's reply matches an earlier event's request.
func echoID(fl *flow) uint16 { return fl.sport ^ fl.dport<<5 ^ uint16(fl.dst) }

// router returns a random address of a router on the path: not a flow's
// host, so that its ICMP errors hash like no flow's packets.
func (g *generator) router() uint32 {
	return uint32(11+g.rng.IntN(212))<<24 | g.rng.Uint32()&0xffffff
}

// echo emits pings between fl's LAN host and its server, by fl's echo
// identifier: a request and its reply, one of them alone, or a reply that
// answers no request (another identifier, another server), or an echo
// request from the server.
func (g *generator) echo(fl *flow) {
	id, seq := echoID(fl), uint16(g.rng.Uint32())
	req := func() { g.emit(fl.port, icmpFrame(g.buf(), fl.src, fl.dst, 8, 0, id, seq, nil)) }
	rep := func(from uint32, id uint16) { g.emit(g.wan(), icmpFrame(g.buf(), from, fl.src, 0, 0, id, seq, nil)) }
	switch g.rng.IntN(6) {
	case 0: // a ping and its answer
		req()
		rep(fl.dst, id)
	case 1: // a ping not answered (yet)
		req()
	case 2: // an answer to an earlier ping of the flow, if it is still live
		rep(fl.dst, id)
	case 3: // an answer to a ping the host never sent
		req()
		rep(fl.dst, id+1)
	case 4: // the right identifier from the server's neighbour
		req()
		rep(fl.dst^1, id)
	default: // the server pings the LAN host
		g.emit(g.wan(), icmpFrame(g.buf(), fl.dst, fl.src, 8, 0, id, seq, nil))
	}
}

// quote emits an ICMP error from a router to fl's LAN host, quoting fl's
// LAN datagram (live if fl sent lately), its ping, a datagram of no flow,
// or fl's datagram sent to the LAN host next door; or a redirect.
func (g *generator) quote(fl *flow) {
	req, _ := g.flowFrame(fl, false, 0)
	to := fl.src
	typ, code := uint8(11), uint8(0) // time exceeded
	switch g.rng.IntN(7) {
	case 0: // destination unreachable about the flow
		typ, code = 3, uint8(g.rng.IntN(16))
	case 1: // parameter problem about the flow
		typ = 12
	case 2: // about a datagram of no flow: the next source port
		req.SrcPort++
	case 3: // about the flow, but to the LAN host next door
		to ^= 1
	case 4: // a redirect about the flow
		typ, code = 5, 1
	case 5: // about the flow's ping (traceroute with ICMP)
		ping := icmpFrame(g.buf(), fl.src, fl.dst, 8, 0, echoID(fl), uint16(g.rng.Uint32()), nil)
		g.emit(g.wan(), icmpFrame(g.buf(), g.router(), to, typ, code, 0, 0, ping[14:14+28]))
		return
	}
	q := maestro.AppendFrame(g.buf(), req)[14 : 14+28]
	g.emit(g.wan(), icmpFrame(g.buf(), g.router(), to, typ, code, 0, 0, q))
}

// fragFlow emits one of fl's datagrams in fragments: a first fragment with
// the transport header and later ones without. Reply datagrams (from the
// WAN) come as a first fragment and a later one, or a first fragment
// followed by a later fragment of another datagram (another IP ID, or the
// same ID from the server's neighbour) and the genuine one; LAN datagrams
// as a first fragment followed by a reply's first and later fragments.
func (g *generator) fragFlow(fl *flow) {
	reply, _ := g.flowFrame(fl, true, 0)
	// first carries the transport header and some payload, in 8-byte
	// units; the rest goes in a later fragment.
	first := 24 + 8*g.rng.IntN(4)
	rest := 8 + g.rng.IntN(64)
	reply.Size = 14 + 20 + first + rest
	id := uint16(g.rng.Uint32())
	wan := g.wan()
	switch g.rng.IntN(4) {
	case 0:
		whole := maestro.AppendFrame(g.buf(), reply)
		g.emit(wan, fragmentOf(g.buf(), whole, id, 0, first, true))
		g.emit(wan, fragmentOf(g.buf(), whole, id, first, rest, false))
	case 1:
		whole := maestro.AppendFrame(g.buf(), reply)
		g.emit(wan, fragmentOf(g.buf(), whole, id, 0, first, true))
		g.emit(wan, fragmentOf(g.buf(), whole, id+1, first, rest, false))
		g.emit(wan, fragmentOf(g.buf(), whole, id, first, rest, false))
	case 2:
		whole := maestro.AppendFrame(g.buf(), reply)
		g.emit(wan, fragmentOf(g.buf(), whole, id, 0, first, true))
		other := append(g.buf(), whole...)
		binary.BigEndian.PutUint32(other[26:], reply.SrcIP^1)
		g.emit(wan, fragmentOf(g.buf(), other, id, first, rest, false))
	default:
		req, port := g.flowFrame(fl, false, 0)
		req.Size = reply.Size
		out := maestro.AppendFrame(g.buf(), req)
		g.emit(port, fragmentOf(g.buf(), out, id, 0, first, true))
		whole := maestro.AppendFrame(g.buf(), reply)
		g.emit(wan, fragmentOf(g.buf(), whole, id+1, 0, first, true))
		g.emit(wan, fragmentOf(g.buf(), whole, id+1, first, rest, false))
	}
}

// fragmentOf appends to b the fragment of the datagram in whole (a frame
// without VLAN tag) that holds its IPv4 payload bytes [off, off+n), with IP
// identification id, padded to the Ethernet minimum.
func fragmentOf(b, whole []byte, id uint16, off, n int, more bool) []byte {
	start := len(b)
	b = append(b, whole[:34]...)
	b = append(b, whole[34+off:34+off+n]...)
	for len(b)-start < 60 {
		b = append(b, 0)
	}
	ip := b[start+14:]
	binary.BigEndian.PutUint16(ip[2:], uint16(20+n))
	binary.BigEndian.PutUint16(ip[4:], id)
	flags := uint16(off / 8)
	if more {
		flags |= 0x2000
	}
	binary.BigEndian.PutUint16(ip[6:], flags)
	fixIPv4Checksum(ip)
	return b
}
