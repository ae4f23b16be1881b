// Package nop is the simplest NF of the catalog: it forwards every packet to
// the other port (LAN <-> WAN) and keeps no state, so it parallelizes
// shared-nothing under any RSS key.
package nop

import "github.com/nfmaestro/maestro/maestro"

// The NF's two ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a NOP. It has no options; it exists so that every catalog
// NF is built the same way.
type Config struct{}

// NOP forwards every packet to the other port.
//
//maestro:nf
type NOP struct{}

// New returns a NOP.
func New(Config) *NOP { return &NOP{} }

// Process forwards LAN packets to WAN and everything else to LAN.
func (n *NOP) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	return maestro.Forward(LAN)
}
