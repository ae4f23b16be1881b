package maestro

// FlowID is an IPv4 5-tuple, the usual key of flow tables. Its layout has no
// padding (the blank field makes the size 16 bytes explicitly), so containers
// hash it straight from memory.
type FlowID struct {
	SrcIP, DstIP     uint32
	SrcPort, DstPort uint16
	Proto            uint8
	_                [3]byte
}

// Flow returns the packet's 5-tuple. Ports are zero when the packet has none
// (see HasPorts). Maestro's analyzer knows that each component comes from the
// packet field of the same name.
func (p *Packet) Flow() FlowID {
	return FlowID{SrcIP: p.SrcIP, DstIP: p.DstIP, SrcPort: p.SrcPort, DstPort: p.DstPort, Proto: p.Proto}
}

// Reverse returns the 5-tuple of the reply direction: addresses and ports
// swapped. The analyzer tracks the swap.
func (f FlowID) Reverse() FlowID {
	return FlowID{SrcIP: f.DstIP, DstIP: f.SrcIP, SrcPort: f.DstPort, DstPort: f.SrcPort, Proto: f.Proto}
}
