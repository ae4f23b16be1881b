package maestro

import (
	"fmt"
	"math/bits"
	"net/netip"
)

// FlowID is an IPv4 5-tuple, the usual key of flow tables.
//
// It is two machine words, the addresses in one and the ports and protocol
// in the other, read through accessors and built by MakeFlowID or
// Packet.Flow. The shape is for speed: the compiler keeps a struct of at
// most four fields in registers, so a FlowID built from a packet, reversed,
// hashed and compared never goes through memory, and where it does (a
// table's key array) it is written and read as whole words, which the CPU
// forwards from store to load. A struct with one field per component (five,
// plus padding) lives in memory, written piecewise and read whole: a store
// forwarding stall on every lookup, which cost the FW about 40% of its time.
//
// FlowIDs are comparable (== compares all five components) and have no
// padding, so containers hash them straight from their two words.
type FlowID struct {
	ips   uint64 // SrcIP<<32 | DstIP
	ports uint64 // Proto<<32 | SrcPort<<16 | DstPort
}

// MakeFlowID returns the 5-tuple of the given components. Maestro's analyzer
// knows that each component of the result is the argument of the same name.
func MakeFlowID(srcIP, dstIP uint32, srcPort, dstPort uint16, proto uint8) FlowID {
	return FlowID{
		ips:   uint64(srcIP)<<32 | uint64(dstIP),
		ports: uint64(proto)<<32 | uint64(srcPort)<<16 | uint64(dstPort),
	}
}

// SrcIP returns the source address.
func (f FlowID) SrcIP() uint32 { return uint32(f.ips >> 32) }

// DstIP returns the destination address.
func (f FlowID) DstIP() uint32 { return uint32(f.ips) }

// SrcPort returns the source port (zero for a packet without ports).
func (f FlowID) SrcPort() uint16 { return uint16(f.ports >> 16) }

// DstPort returns the destination port (zero for a packet without ports).
func (f FlowID) DstPort() uint16 { return uint16(f.ports) }

// Proto returns the IP protocol.
func (f FlowID) Proto() uint8 { return uint8(f.ports >> 32) }

// String formats f as src:port->dst:port/proto with dotted addresses.
func (f FlowID) String() string {
	return fmt.Sprintf("%v:%d->%v:%d/%d", ipv4(f.SrcIP()), f.SrcPort(), ipv4(f.DstIP()), f.DstPort(), f.Proto())
}

// Flow returns the packet's 5-tuple. Ports are zero when the packet has none
// (see HasPorts). Maestro's analyzer knows that each component comes from the
// packet field of the same name.
func (p *Packet) Flow() FlowID {
	return MakeFlowID(p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto)
}

// Reverse returns the 5-tuple of the reply direction: addresses and ports
// swapped. The analyzer tracks the swap.
func (f FlowID) Reverse() FlowID {
	return FlowID{
		ips:   bits.RotateLeft64(f.ips, 32),
		ports: f.ports&^0xffffffff | uint64(bits.RotateLeft32(uint32(f.ports), 16)),
	}
}

func ipv4(a uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
}
