// Package slicecontainers is an adversarial NF (issue 11, class 1): a learning
// table per input port, kept in an unmarked slice field, f.perPort[p.InPort].
//
// The containers are reached through a slice indexed by packet data: an
// analysis that tracks //maestro:state fields only sees no state at all. A
// slice of containers on the packet path is MAE014. Expected:
// {refused:MAE014}.
package slicecontainers

import "github.com/nfmaestro/maestro/maestro"

// Bridge learns which port each source MAC address is on, per input port.
//
//maestro:nf
type Bridge struct {
	perPort []*maestro.Map[maestro.MAC, uint32]
}

// New returns a Bridge for ports ports.
func New(ports int) *Bridge {
	b := &Bridge{}
	for range ports {
		b.perPort = append(b.perPort, maestro.NewMap[maestro.MAC, uint32](1024))
	}
	return b
}

// Process counts the packet against its source and floods it.
func (b *Bridge) Process(p *maestro.Packet) maestro.Verdict {
	if int(p.InPort) >= len(b.perPort) {
		return maestro.Drop
	}
	m := b.perPort[p.InPort]
	n, _ := m.Get(p.EthSrc)
	m.Put(p.EthSrc, n+1) // want MAE014
	return maestro.Flood
}
