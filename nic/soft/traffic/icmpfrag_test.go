package traffic

import (
	"encoding/binary"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
)

// TestStrictFirewallKinds generates the echo, quote and fragflow kinds
// alone and checks that each produces its genuine case and its near
// misses, as a strict firewall tells them apart, with valid checksums.
func TestStrictFirewallKinds(t *testing.T) {
	type tuple5 struct {
		src, dst     uint32
		sport, dport uint16
		proto        uint8
	}
	for _, k := range []Kind{KindEcho, KindQuote, KindFragFlow} {
		t.Run(k.String(), func(t *testing.T) {
			c := hostileConfig(k)
			tr := generate(t, c)
			lan := map[tuple5]bool{}          // LAN 5-tuples sent so far (flows and pings, id as ports)
			hosts := map[uint32]bool{}        // flow hosts on either side
			datagrams := map[[3]uint32]bool{} // (src, dst, id) of WAN first fragments so far
			seen := map[string]int{}
			for i, f := range tr.Frames {
				var p maestro.Packet
				p.Reset(f.Data, f.Port, f.Time)
				checkValid(t, i, &p)
				if !p.IsIPv4() {
					t.Fatalf("frame %d: not IPv4 (%v)", i, p.Reason)
				}
				d := f.Data
				switch {
				case p.HasPorts():
					if f.Port == 0 {
						lan[tuple5{p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto}] = true
						hosts[p.SrcIP], hosts[p.DstIP] = true, true
					}
					continue // a regular packet
				case k == KindEcho:
					if p.L4 != maestro.L4ICMP {
						t.Fatalf("frame %d: %v", i, p.L4)
					}
					id := binary.BigEndian.Uint16(d[p.L4Off+4:])
					switch {
					case p.ICMPType == 8 && f.Port == 0:
						lan[tuple5{p.SrcIP, p.DstIP, id, id, 1}] = true
						seen["request"]++
					case p.ICMPType == 8:
						seen["server-request"]++
					case p.ICMPType == 0 && lan[tuple5{p.DstIP, p.SrcIP, id, id, 1}]:
						seen["answer"]++
					case p.ICMPType == 0:
						seen["unanswerable"]++
					default:
						t.Fatalf("frame %d: ICMP type %d", i, p.ICMPType)
					}
				case k == KindQuote:
					if p.L4 != maestro.L4ICMP || f.Port != 1 || hosts[p.SrcIP] {
						t.Fatalf("frame %d on port %d: %v from %08x, want ICMP from a router", i, f.Port, p.L4, p.SrcIP)
					}
					q := d[p.L4Off+8 : p.L4Off+8+28]
					if maestro.Checksum(q[:20], 0) != 0 {
						t.Fatalf("frame %d: quoted header checksum", i)
					}
					src, dst := binary.BigEndian.Uint32(q[12:]), binary.BigEndian.Uint32(q[16:])
					sp, dp := binary.BigEndian.Uint16(q[20:]), binary.BigEndian.Uint16(q[22:])
					if q[9] == maestro.ProtoICMP {
						sp, dp = binary.BigEndian.Uint16(q[24:]), binary.BigEndian.Uint16(q[24:])
					}
					switch {
					case p.ICMPType == 5:
						seen["redirect"]++
					case src != p.DstIP:
						seen["other-host"]++
					case q[9] == maestro.ProtoICMP:
						seen["ping"]++
					case lan[tuple5{src, dst, sp, dp, q[9]}]:
						seen["live"]++
					default:
						seen["dead"]++
					}
				case k == KindFragFlow:
					if p.Reason != maestro.ReasonFragment {
						t.Fatalf("frame %d: %v", i, p.Reason)
					}
					key := [3]uint32{p.SrcIP, p.DstIP, uint32(binary.BigEndian.Uint16(d[18:]))}
					switch {
					case p.FragOffset == 0 && f.Port == 0:
						seen["lan-first"]++
					case p.FragOffset == 0:
						datagrams[key] = true
						seen["first"]++
					case datagrams[key]:
						seen["later"]++
					default:
						seen["later-unknown"]++
					}
				}
			}
			want := map[Kind][]string{
				KindEcho:     {"request", "answer", "unanswerable", "server-request"},
				KindQuote:    {"live", "dead", "other-host", "ping", "redirect"},
				KindFragFlow: {"first", "later", "later-unknown", "lan-first"},
			}[k]
			for _, w := range want {
				if seen[w] < 3 {
					t.Errorf("%s: %d frames of %q (seen %v)", k, seen[w], w, seen)
				}
			}
		})
	}
}
