package traffic

import (
	"bytes"
	"encoding/binary"
	"flag"
	"io"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

func hostileConfig(k Kind) Config {
	c := small()
	c.Packets = 4000
	c.Rate = 1e6
	c.Proto = Mix
	c.Bidir = 0.5
	c.Sizes = []int{64, 594}
	c.Hostile = 0.3
	c.Kinds = k
	return c
}

func generate(t *testing.T, c Config) *soft.Trace {
	t.Helper()
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Frames) != c.Packets {
		t.Fatalf("%d frames, want %d", len(tr.Frames), c.Packets)
	}
	for i := 1; i < len(tr.Frames); i++ {
		if tr.Frames[i].Time < tr.Frames[i-1].Time {
			t.Fatalf("frame %d goes back in time", i)
		}
	}
	return tr
}

// sum16 is the one's-complement sum of b's 16-bit words, unfolded.
func sum16(b []byte) uint32 {
	var s uint32
	for ; len(b) >= 2; b = b[2:] {
		s += uint32(binary.BigEndian.Uint16(b))
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// checkValid fails t unless every checksum of a frame the parser takes as
// valid (IPv4 headers that parse, complete TCP, UDP and ICMP segments, IPv6
// UDP) verifies. Frames meant to be broken are not checked.
func checkValid(t *testing.T, i int, p *maestro.Packet) {
	t.Helper()
	d := p.Data
	switch {
	case p.L3 == maestro.L3IPv6:
		udp := d[p.L3Off+40:]
		if d[p.L3Off+6] != maestro.ProtoUDP || maestro.Checksum(udp, sum16(d[p.L3Off+8:p.L3Off+40])+uint32(len(udp))+17) != 0 {
			t.Fatalf("frame %d: bad IPv6 UDP checksum", i)
		}
	case p.L3 == maestro.L3ARP:
		if len(d) < 42 || binary.BigEndian.Uint16(d[p.L3Off:]) != 1 || binary.BigEndian.Uint16(d[p.L3Off+2:]) != 0x0800 {
			t.Fatalf("frame %d: bad ARP", i)
		}
	case p.IsIPv4():
		ihl := int(d[p.L3Off]&0x0f) * 4
		if maestro.Checksum(d[p.L3Off:p.L3Off+ihl], 0) != 0 {
			t.Fatalf("frame %d: bad IPv4 header checksum", i)
		}
		if p.Reason != maestro.ReasonOK {
			return
		}
		seg := d[p.L4Off : p.L3Off+int(p.TotalLen)]
		pseudo := sum16(d[p.L3Off+12:p.L3Off+20]) + uint32(p.Proto) + uint32(len(seg))
		switch p.L4 {
		case maestro.L4TCP:
			if maestro.Checksum(seg, pseudo) != 0 {
				t.Fatalf("frame %d: bad TCP checksum", i)
			}
		case maestro.L4UDP:
			if binary.BigEndian.Uint16(seg[6:]) != 0 && maestro.Checksum(seg, pseudo) != 0 {
				t.Fatalf("frame %d: bad UDP checksum", i)
			}
		case maestro.L4ICMP:
			if maestro.Checksum(seg, 0) != 0 {
				t.Fatalf("frame %d: bad ICMP checksum", i)
			}
		}
	}
}

// TestHostileKinds generates each kind alone, mixed into regular flows, and
// checks that it produces what it promises, with valid checksums wherever
// the frame is meant to be valid.
func TestHostileKinds(t *testing.T) {
	type flowKey struct {
		src, dst     uint32
		sport, dport uint16
		proto        uint8
	}
	for k := Kind(1); k < kindEnd; k <<= 1 {
		t.Run(k.String(), func(t *testing.T) {
			c := hostileConfig(k)
			tr := generate(t, c)
			flows := map[flowKey]bool{} // LAN 5-tuples of well-formed packets so far
			seen := map[string]int{}
			var prev maestro.Packet
			for i, f := range tr.Frames {
				var p maestro.Packet
				p.Reset(f.Data, f.Port, f.Time)
				checkValid(t, i, &p)
				key := flowKey{p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto}
				rev := flowKey{p.DstIP, p.SrcIP, p.DstPort, p.SrcPort, p.Proto}
				if p.HasPorts() && p.SrcIP>>24 == 10 && f.Port != 1 {
					flows[key] = true // a flow's request, however odd
				}
				regular := p.Reason == maestro.ReasonOK && p.HasPorts() && !p.HasVLAN && p.L4Off == 34 && p.TTL == 64 &&
					!p.EthDst.IsMulticast() && (f.Port == 0 && p.SrcIP>>24 == 10 || f.Port == 1 && flows[rev])
				if regular {
					if f.Port == 0 {
						flows[key] = true
					}
					prev = p
					continue
				}
				switch k {
				case KindICMP:
					if p.L4 != maestro.L4ICMP {
						t.Fatalf("frame %d: %v %v", i, p.Reason, p.L4)
					}
					seen[map[uint8]string{0: "echo-reply", 8: "echo", 3: "unreachable", 11: "time-exceeded"}[p.ICMPType]]++
					if p.ICMPType == 3 || p.ICMPType == 11 {
						// The quoted datagram is the one the error reports:
						// a valid IPv4 header from the error's destination.
						quote := f.Data[p.PayloadOff+4 : p.PayloadOff+32]
						if maestro.Checksum(quote[:20], 0) != 0 || binary.BigEndian.Uint32(quote[12:]) != p.DstIP {
							t.Fatalf("frame %d: ICMP error quotes % x", i, quote)
						}
					}
				case KindMalformed, KindTruncated:
					if p.Reason == maestro.ReasonOK || p.Reason == maestro.ReasonFragment {
						t.Fatalf("frame %d: reason %v", i, p.Reason)
					}
					seen[p.Reason.String()]++
				case KindFragment:
					if p.Reason != maestro.ReasonFragment {
						t.Fatalf("frame %d: reason %v", i, p.Reason)
					}
					if p.FragOffset == 0 {
						seen["first"]++
					} else {
						seen["later"]++
					}
					// Two fragments of one datagram in a row reassemble
					// into a valid transport segment.
					if prev.Reason == maestro.ReasonFragment && prev.Data[18] == p.Data[18] && prev.Data[19] == p.Data[19] && prev.FragOffset != p.FragOffset {
						a, b := &prev, &p
						if a.FragOffset != 0 {
							a, b = b, a
						}
						seg := append(append([]byte(nil), a.Data[34:14+int(a.TotalLen)]...), b.Data[34:14+int(b.TotalLen)]...)
						if int(b.FragOffset)*8 != int(a.TotalLen)-20 {
							t.Fatalf("frame %d: fragment offsets %d and %d do not meet", i, a.FragOffset, b.FragOffset)
						}
						pseudo := sum16(a.Data[26:34]) + uint32(a.Proto) + uint32(len(seg))
						if c := maestro.Checksum(seg, pseudo); c != 0 && !(a.Proto == maestro.ProtoUDP && seg[6] == 0 && seg[7] == 0) {
							t.Fatalf("frame %d: reassembled datagram has a bad checksum", i)
						}
						seen["pair"]++
					}
				case KindNonIP:
					if p.L3 == maestro.L3IPv4 || p.L3 == maestro.L3None {
						t.Fatalf("frame %d: L3 %v", i, p.L3)
					}
					seen[map[maestro.L3]string{maestro.L3ARP: "arp", maestro.L3IPv6: "ipv6", maestro.L3Other: "other"}[p.L3]]++
				case KindSpoofed, KindUnsolicited:
					if f.Port != 1 || p.Reason != maestro.ReasonOK || flows[rev] {
						t.Fatalf("frame %d on port %d: a genuine reply (%v)", i, f.Port, p.Reason)
					}
					seen["ok"]++
				case KindExtraPort:
					if f.Port != 2 || p.Reason != maestro.ReasonOK {
						t.Fatalf("frame %d on port %d", i, f.Port)
					}
					seen["port2"]++
				case KindBurst:
					// A regular LAN packet of a flow followed by a reply that
					// is not due by the alternation: counted when the reply
					// is regular too, so check timing on every reply.
					seen["?"]++
				case KindVLAN:
					if !p.HasVLAN || p.Reason != maestro.ReasonOK || p.VLAN == 0 || p.VLAN == 4095 {
						t.Fatalf("frame %d: vlan %v %d %v", i, p.HasVLAN, p.VLAN, p.Reason)
					}
					seen["vlan"]++
				case KindOdd:
					switch {
					case p.L4Off == 38:
						seen["options"]++
					case p.TTL <= 1:
						seen["ttl"]++
					case p.EthDst.IsMulticast():
						seen["multicast"]++
					}
				}
				prev = p
			}
			want := map[Kind][]string{
				KindICMP:      {"echo", "echo-reply", "unreachable", "time-exceeded"},
				KindMalformed: {maestro.ReasonBadVersion.String(), maestro.ReasonBadIHL.String(), maestro.ReasonBadTotalLength.String(), maestro.ReasonTruncatedIPv4.String(), maestro.ReasonTruncatedL4.String()},
				KindTruncated: {maestro.ReasonTruncatedEth.String(), maestro.ReasonTruncatedIPv4.String(), maestro.ReasonBadTotalLength.String()},
				KindFragment:  {"first", "later", "pair"},
				KindNonIP:     {"arp", "ipv6", "other"},
				KindSpoofed:   {"ok"}, KindUnsolicited: {"ok"}, KindExtraPort: {"port2"}, KindVLAN: {"vlan"},
				KindOdd: {"options", "ttl", "multicast"},
			}[k]
			t.Logf("%v", seen)
			for _, w := range want {
				if seen[w] < 3 {
					t.Errorf("%s: %d frames of %q (seen %v)", k, seen[w], w, seen)
				}
			}
		})
	}
}

// TestHostileBurst: a burst is a flow's request and its reply less than a
// microsecond apart.
func TestHostileBurst(t *testing.T) {
	c := hostileConfig(KindBurst)
	tr := generate(t, c)
	close := 0
	for i := 1; i < len(tr.Frames); i++ {
		a, b := tr.Frames[i-1], tr.Frames[i]
		if a.Port != 0 || b.Port != 1 || b.Time-a.Time >= 1000 {
			continue
		}
		var p, q maestro.Packet
		p.Reset(a.Data, a.Port, a.Time)
		q.Reset(b.Data, b.Port, b.Time)
		if p.Flow().Reverse() == q.Flow() {
			close++
		}
	}
	// About 0.3 * 4000 / 2 bursts.
	if close < 400 {
		t.Errorf("%d request-reply pairs within 1 µs", close)
	}
	c.Hostile = 0
	regular := generate(t, c)
	for i := 1; i < len(regular.Frames); i++ {
		if regular.Frames[i].Time-regular.Frames[i-1].Time != 1000 {
			t.Fatalf("regular frames %d µs apart", regular.Frames[i].Time-regular.Frames[i-1].Time)
		}
	}
}

// TestHostileDeterministic: the seed fixes every byte, and hostile traffic
// really replaces part of the regular traffic.
func TestHostileDeterministic(t *testing.T) {
	c := hostileConfig(AllKinds)
	a, b := generate(t, c), generate(t, c)
	for i := range a.Frames {
		if a.Frames[i].Port != b.Frames[i].Port || a.Frames[i].Time != b.Frames[i].Time || !bytes.Equal(a.Frames[i].Data, b.Frames[i].Data) {
			t.Fatalf("frame %d differs between runs", i)
		}
	}
	c.Seed++
	other := generate(t, c)
	same := 0
	for i := range a.Frames {
		if bytes.Equal(a.Frames[i].Data, other.Frames[i].Data) {
			same++
		}
	}
	if same > len(a.Frames)/10 {
		t.Errorf("%d of %d frames equal under another seed", same, len(a.Frames))
	}
	if a.NumPorts != 3 || c.NumPorts() != 3 {
		t.Errorf("all kinds: %d ports (NumPorts %d), want 3 (extra-port traffic on port 2)", a.NumPorts, c.NumPorts())
	}
	c.Kinds = 0 // DefaultKinds: no extra port
	if tr := generate(t, c); tr.NumPorts != 2 || c.NumPorts() != 2 {
		t.Errorf("default kinds: %d ports (NumPorts %d), want 2", tr.NumPorts, c.NumPorts())
	}
}

// TestHostileTinyTraces: every event fits even when the trace ends in the
// middle of it.
func TestHostileTinyTraces(t *testing.T) {
	for n := range 8 {
		for seed := range uint64(20) {
			c := hostileConfig(AllKinds)
			c.Packets, c.Seed, c.Hostile, c.Flows = n, seed, 1, 1
			generate(t, c)
		}
	}
}

// TestPool: flows come from the adjacent pools, cover the byte-boundary
// values, share hosts, and reuse ended flows' 5-tuples.
func TestPool(t *testing.T) {
	c := small()
	c.Pool, c.Proto, c.Flows, c.Packets, c.Churn, c.Bidir = true, Mix, 200, 20000, 1e6, 0
	tr := generate(t, c)
	inPool := func(v uint32, pool []uint32) bool { return v >= pool[0] && v <= pool[len(pool)-1] }
	addrs, ports := map[uint32]bool{}, map[uint16]bool{}
	tuples := map[fiveTuple]bool{}
	for i, f := range tr.Frames {
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if !inPool(p.SrcIP, poolLAN) || !inPool(p.DstIP, poolServers) {
			t.Fatalf("frame %d: %#x -> %#x outside the pools", i, p.SrcIP, p.DstIP)
		}
		addrs[p.SrcIP], addrs[p.DstIP] = true, true
		ports[p.SrcPort], ports[p.DstPort] = true, true
		tuples[fiveTuple{p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto}] = true
	}
	for _, a := range []uint32{0x0a0000ff, 0x0a000100, 0x0b00ffff, 0x0b010000} {
		if !addrs[a] {
			t.Errorf("address %#x never used", a)
		}
	}
	for _, p := range poolPorts {
		if !ports[p] {
			t.Errorf("port %d never used", p)
		}
	}
	// 20000 packets at 10 Mpps last 2 ms: 1e6 new flows/s make 2200 flows
	// in all, from 2304 tuples, so many tuples come back.
	if n := len(tuples); n >= 2200 || n < 1000 {
		t.Errorf("%d distinct 5-tuples", n)
	}
	c.Flows = c.poolTuples()/2 + 1
	if _, err := Generate(c); err == nil {
		t.Error("more live flows than half the pool accepted")
	}
}

func TestHostileValidateAndFlags(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.Hostile = 1.5 },
		func(c *Config) { c.Hostile = -0.1 },
		func(c *Config) { c.Kinds = kindEnd },
		func(c *Config) { c.Hostile, c.Kinds, c.Ports = 0.1, KindExtraPort, 1<<16 },
	} {
		c := hostileConfig(0)
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("invalid config %+v accepted", c)
		}
	}
	for _, k := range []Kind{AllKinds, KindICMP, KindVLAN | KindOdd, 0} {
		back, err := ParseKinds(k.String())
		if err != nil || back != k {
			t.Errorf("%v: round trip gave %v, %v", k, back, err)
		}
	}
	if _, err := ParseKinds("icmp,nosuch"); err == nil {
		t.Error("unknown kind accepted")
	}
	c := DefaultConfig()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"-hostile", "0.2", "-kinds", "icmp,burst", "-pool"}); err != nil {
		t.Fatal(err)
	}
	if c.Hostile != 0.2 || c.Kinds != KindICMP|KindBurst || !c.Pool {
		t.Errorf("parsed %+v", c)
	}
}
