// Package inportrewritten is an adversarial NF (issue 11, class 4): Process
// overwrites p.InPort (treating an unknown port as the LAN) before
// branching on it.
//
// After the store, "p.InPort == LAN" says nothing about the port the frame
// arrived on, which is what RSS hashed: the branch must not narrow the
// ports, and both branches run on any port. Expected: {shared-nothing,
// locks}, with the insert recorded on port 1 as well.
package inportrewritten

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures the NF.
type Config struct{}

// Gate records LAN senders and admits WAN packets to them.
//
//maestro:nf
type Gate struct {
	//maestro:state
	hosts *maestro.Table[uint32, struct{}]
}

// New returns a Gate.
func New(Config) *Gate { return &Gate{hosts: maestro.NewTable[uint32, struct{}](1024, 0)} }

// Process records or checks one packet.
func (g *Gate) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort > WAN {
		p.InPort = LAN
	}
	if p.InPort == LAN {
		g.hosts.Insert(p.SrcIP, struct{}{}, p.Time)
		return maestro.Forward(WAN)
	}
	if g.hosts.Has(p.DstIP) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
