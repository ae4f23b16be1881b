//go:build !maestrogen

package fw

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/fwbasic"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

const router = 0xc6330001 // a router on the path, not the server

// verdict processes the frame data arriving on in at time now.
func verdict(f *FW, in maestro.Port, data []byte, now int64) maestro.Verdict {
	var p maestro.Packet
	p.Reset(data, in, now)
	return f.Process(&p)
}

// icmpMsg returns an ICMP message from src to dst: type, code, the
// identifier/sequence word (id, 1), then body.
func icmpMsg(src, dst uint32, typ, code uint8, id uint16, body []byte) []byte {
	b := maestro.AppendFrame(nil, maestro.Frame{SrcIP: src, DstIP: dst, Proto: maestro.ProtoICMP, Size: 14 + 20 + 8 + len(body)})
	seg := b[34:]
	seg[0], seg[1] = typ, code
	binary.BigEndian.PutUint16(seg[4:], id)
	binary.BigEndian.PutUint16(seg[6:], 1)
	copy(seg[8:], body)
	return b
}

// quote returns what an ICMP error quotes of the frame data: its IPv4
// header and the first 8 bytes of its transport header.
func quote(data []byte) []byte { return append([]byte(nil), data[14:14+20+8]...) }

// udp returns a UDP datagram's frame.
func udp(src, dst uint32, sport, dport uint16) []byte {
	return maestro.AppendFrame(nil, maestro.Frame{SrcIP: src, DstIP: dst, Proto: maestro.ProtoUDP, SrcPort: sport, DstPort: dport, Size: 14 + 20 + 8 + 40})
}

// fragment returns the fragment of the datagram in whole (an unfragmented
// frame without VLAN tag) holding its IPv4 payload bytes [off, off+n), with
// IP identification id.
func fragment(whole []byte, id uint16, off, n int, more bool) []byte {
	b := append([]byte(nil), whole[:34]...)
	b = append(b, whole[34+off:34+off+n]...)
	ip := b[14:]
	binary.BigEndian.PutUint16(ip[2:], uint16(20+n))
	binary.BigEndian.PutUint16(ip[4:], id)
	flags := uint16(off / 8)
	if more {
		flags |= 0x2000
	}
	binary.BigEndian.PutUint16(ip[6:], flags)
	ip[10], ip[11] = 0, 0
	binary.BigEndian.PutUint16(ip[10:], maestro.Checksum(ip[:20], 0))
	return b
}

func wantVerdict(t *testing.T, what string, got, want maestro.Verdict) {
	t.Helper()
	if got != want {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

var (
	pass = maestro.Forward(LAN)
	drop = maestro.Drop
)

func TestEchoMatchedByIdentifier(t *testing.T) {
	f := New(Config{})
	wantVerdict(t, "echo reply before any request", verdict(f, WAN, icmpMsg(server, client, 0, 0, 7, nil), 0), drop)
	wantVerdict(t, "LAN echo request", verdict(f, LAN, icmpMsg(client, server, 8, 0, 7, nil), 1), maestro.Forward(WAN))
	wantVerdict(t, "echo reply, same identifier", verdict(f, WAN, icmpMsg(server, client, 0, 0, 7, nil), 2), pass)
	wantVerdict(t, "echo reply, other identifier", verdict(f, WAN, icmpMsg(server, client, 0, 0, 8, nil), 3), drop)
	wantVerdict(t, "echo reply from another server", verdict(f, WAN, icmpMsg(server+1, client, 0, 0, 7, nil), 3), drop)
	wantVerdict(t, "echo reply to another LAN host", verdict(f, WAN, icmpMsg(server, client+1, 0, 0, 7, nil), 3), drop)
	// The paper's FW let every ICMP message of the server in from here on.
	wantVerdict(t, "unsolicited echo request from the server", verdict(f, WAN, icmpMsg(server, client, 8, 0, 7, nil), 4), drop)
	wantVerdict(t, "redirect from the server", verdict(f, WAN, icmpMsg(server, client, 5, 1, 0, quote(icmpMsg(client, server, 8, 0, 7, nil))), 4), drop)
	wantVerdict(t, "router advertisement", verdict(f, WAN, icmpMsg(server, client, 9, 0, 0, nil), 4), drop)
	// A UDP flow's port equal to the echo identifier is another flow.
	wantVerdict(t, "UDP with the identifier as ports", verdict(f, WAN, udp(server, client, 7, 7), 4), drop)
	// LAN echo replies and errors pass without opening anything.
	n := f.flows.Len()
	wantVerdict(t, "LAN echo reply", verdict(f, LAN, icmpMsg(client, server, 0, 0, 9, nil), 5), maestro.Forward(WAN))
	wantVerdict(t, "LAN port unreachable", verdict(f, LAN, icmpMsg(client, server, 3, 3, 0, quote(udp(server, client, 53, 5000))), 5), maestro.Forward(WAN))
	if f.flows.Len() != n {
		t.Errorf("LAN echo replies and errors opened flows: %d, want %d", f.flows.Len(), n)
	}
	wantVerdict(t, "echo request answered by the LAN host's echo reply id", verdict(f, WAN, icmpMsg(server, client, 0, 0, 9, nil), 6), drop)
	// Truncated ICMP (no room for the identifier) is dropped on both sides.
	short := icmpMsg(client, server, 8, 0, 7, nil)
	binary.BigEndian.PutUint16(short[16:], 20+6)
	wantVerdict(t, "LAN echo request cut before its identifier", verdict(f, LAN, short, 7), drop)
}

func TestErrorsQuoteLiveFlows(t *testing.T) {
	f := New(Config{Timeout: 10 * time.Second})
	out := udp(client, server, 5000, 53)
	wantVerdict(t, "LAN flow", verdict(f, LAN, out, 0), maestro.Forward(WAN))
	wantVerdict(t, "port unreachable from the server, quoting the flow", verdict(f, WAN, icmpMsg(server, client, 3, 3, 0, quote(out)), 1), pass)
	wantVerdict(t, "time exceeded from a router, quoting the flow", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, quote(out)), 1), pass)
	wantVerdict(t, "parameter problem from a router, quoting the flow", verdict(f, WAN, icmpMsg(router, client, 12, 0, 0, quote(out)), 1), pass)
	wantVerdict(t, "error quoting a dead flow (other source port)", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, quote(udp(client, server, 5001, 53))), 1), drop)
	wantVerdict(t, "error quoting a dead flow (other protocol)", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, quote(maestro.AppendFrame(nil, maestro.Frame{SrcIP: client, DstIP: server, Proto: maestro.ProtoTCP, SrcPort: 5000, DstPort: 53}))), 1), drop)
	wantVerdict(t, "error quoting the flow's reply direction", verdict(f, WAN, icmpMsg(router, client, 3, 3, 0, quote(udp(server, client, 53, 5000))), 1), drop)
	wantVerdict(t, "redirect quoting the flow", verdict(f, WAN, icmpMsg(router, client, 5, 1, 0, quote(out)), 1), drop)
	// The error goes to another LAN host than the flow's: client+1 has a
	// live flow of the same ports, and the quote must not open it.
	other := udp(client+1, server, 5000, 53)
	wantVerdict(t, "second LAN host's flow", verdict(f, LAN, other, 1), maestro.Forward(WAN))
	wantVerdict(t, "error to client quoting client+1's datagram", verdict(f, WAN, icmpMsg(router, client, 3, 1, 0, quote(other)), 2), drop)
	wantVerdict(t, "error to client+1 quoting client's datagram", verdict(f, WAN, icmpMsg(router, client+1, 3, 1, 0, quote(out)), 2), drop)
	// A quote too short for 8 transport bytes, a quoted later fragment,
	// and a broken quoted header match nothing.
	q := quote(out)
	wantVerdict(t, "quote cut inside the ports", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, q[:22]), 2), drop)
	later := append([]byte(nil), q...)
	later[7] = 2 // fragment offset 16 bytes: no transport header
	wantVerdict(t, "quoted later fragment", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, later), 2), drop)
	bad := append([]byte(nil), q...)
	bad[0] = 0x65
	wantVerdict(t, "quoted header of version 6", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, bad), 2), drop)
	// Errors about a LAN ping (traceroute) pass while the ping is live.
	ping := icmpMsg(client, server, 8, 0, 42, nil)
	wantVerdict(t, "LAN echo request", verdict(f, LAN, ping, 3), maestro.Forward(WAN))
	wantVerdict(t, "time exceeded quoting the echo request", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, quote(ping)), 4), pass)
	wantVerdict(t, "time exceeded quoting another identifier", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, quote(icmpMsg(client, server, 8, 0, 43, nil))), 4), drop)
	// Errors refresh nothing: the flow expires 10 s after its last packet.
	wantVerdict(t, "error at 9 s", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, quote(out)), 9*sec), pass)
	wantVerdict(t, "error after the flow expired", verdict(f, WAN, icmpMsg(router, client, 11, 0, 0, quote(out)), 10*sec+1), drop)
	wantVerdict(t, "reply after the flow expired", verdict(f, WAN, udp(server, client, 53, 5000), 10*sec+1), drop)
}

func TestFragments(t *testing.T) {
	f := New(Config{Timeout: 10 * time.Second})
	wantVerdict(t, "LAN flow", verdict(f, LAN, udp(client, server, 5000, 53), 0), maestro.Forward(WAN))
	reply := udp(server, client, 53, 5000) // 48 bytes of IPv4 payload: 8 of UDP header, 40 of data
	first, rest := fragment(reply, 77, 0, 16, true), fragment(reply, 77, 16, 32, false)
	wantVerdict(t, "later fragment before the first (not reassembled)", verdict(f, WAN, rest, 1), drop)
	wantVerdict(t, "first fragment of a reply, real ports", verdict(f, WAN, first, 2), pass)
	wantVerdict(t, "later fragment of the admitted datagram", verdict(f, WAN, rest, 3), pass)
	wantVerdict(t, "later fragment, another IP ID", verdict(f, WAN, fragment(reply, 78, 16, 32, false), 3), drop)
	wantVerdict(t, "later fragment, same IP ID, another server", verdict(f, WAN, fragment(udp(server+1, client, 53, 5000), 77, 16, 32, false), 3), drop)
	wantVerdict(t, "first fragment to another port", verdict(f, WAN, fragment(udp(server, client, 53, 5001), 79, 0, 16, true), 3), drop)
	wantVerdict(t, "later fragment of the refused datagram", verdict(f, WAN, fragment(udp(server, client, 53, 5001), 79, 16, 32, false), 3), drop)
	// A first fragment of ports 0 matched the paper FW's port-0 flows.
	wantVerdict(t, "first fragment with ports 0", verdict(f, WAN, fragment(udp(server, client, 0, 0), 80, 0, 16, true), 3), drop)
	// Tiny first fragments (RFC 1858) carry no ports to match.
	tiny := fragment(reply, 81, 0, 8, true)
	binary.BigEndian.PutUint16(tiny[16:], 20+4)
	wantVerdict(t, "first fragment with 4 bytes of UDP header", verdict(f, WAN, tiny[:14+24], 3), drop)

	// LAN fragments: the first opens its flow with its real ports, later
	// ones pass and open nothing.
	out := udp(client, server, 6000, 53)
	n := f.flows.Len()
	wantVerdict(t, "LAN later fragment", verdict(f, LAN, fragment(out, 5, 16, 32, false), 4), maestro.Forward(WAN))
	if f.flows.Len() != n {
		t.Errorf("a LAN later fragment opened a flow")
	}
	wantVerdict(t, "LAN first fragment", verdict(f, LAN, fragment(out, 5, 0, 16, true), 4), maestro.Forward(WAN))
	wantVerdict(t, "unfragmented reply to the first fragment's ports", verdict(f, WAN, udp(server, client, 53, 6000), 5), pass)

	// Fragmented echo replies match by identifier too.
	ping := icmpMsg(client, server, 8, 0, 3, make([]byte, 40))
	wantVerdict(t, "LAN echo request", verdict(f, LAN, ping, 6), maestro.Forward(WAN))
	pong := icmpMsg(server, client, 0, 0, 3, make([]byte, 40))
	wantVerdict(t, "first fragment of the echo reply", verdict(f, WAN, fragment(pong, 9, 0, 16, true), 7), pass)
	wantVerdict(t, "later fragment of the echo reply", verdict(f, WAN, fragment(pong, 9, 16, 32, false), 7), pass)
	wantVerdict(t, "first fragment of an echo reply, other id", verdict(f, WAN, fragment(icmpMsg(server, client, 0, 0, 4, make([]byte, 40)), 10, 0, 16, true), 7), drop)

	// Known datagrams expire like flows.
	wantVerdict(t, "later fragment after the datagram expired", verdict(f, WAN, rest, 3+10*sec+1), drop)
}

// TestHostileTracesCatchFiveTupleSharding runs the strict FW with the
// paper FW's RSS configuration (examples/fwbasic: symmetric 5-tuple
// sharding), which is wrong for it: ICMP errors come from routers and
// fragments carry no ports the NIC hashes, so they land on cores that never
// saw their flow. The hostile traces must show it (as WAN packets the
// sequential FW admits and the parallel one drops), and the standard
// traces, all TCP and UDP, must not: the mistake hides there.
func TestHostileTracesCatchFiveTupleSharding(t *testing.T) {
	hostile, err := maestrotest.HostileTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	standard, err := maestrotest.StandardTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	basic, err := fwbasic.NewParallel(fwbasic.Config{Capacity: testConfig.Capacity, Timeout: testConfig.Timeout}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range append(hostile, standard...) {
		par, err := NewParallel(testConfig, 4)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := maestrotest.Run(New(testConfig), par, tr.Trace, maestrotest.Options{RSS: basic.RSS()})
		if err != nil {
			t.Fatal(err)
		}
		isHostile := slices.ContainsFunc(hostile, func(h maestrotest.Trace) bool { return h.Name == tr.Name })
		switch {
		case isHostile && rep.Mismatches == 0:
			t.Errorf("%s: 5-tuple sharding of the strict FW went unnoticed", tr.Name)
		case !isHostile && rep.Mismatches != 0:
			t.Errorf("%s: %d mismatches on TCP and UDP flows alone: %v", tr.Name, rep.Mismatches, rep.Err())
		}
		for _, m := range rep.First {
			if m.Port != WAN || m.Seq != maestro.Forward(LAN) || m.Par != maestro.Drop {
				t.Errorf("%s: unexpected mismatch %v", tr.Name, m)
			}
		}
		t.Logf("%s: %d of %d packets differ", tr.Name, rep.Mismatches, rep.Packets)
	}
}
