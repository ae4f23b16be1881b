// Package sharedglobal is an adversarial NF (issue 11, class 1): the
// constructor hands every instance the same package-level table, created
// once in a variable declaration (never written afterwards, so no
// package-variable finding applies).
//
// A shared-nothing NF would give every core that one table, written by all
// cores at once without a lock. The generated constructor checks at build
// time that the cores' written state fields hold distinct containers and
// refuses. Expected: {shared-nothing} statically, refused at construction.
package sharedglobal

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

var flows = maestro.NewTable[maestro.FlowID, struct{}](4096, 0)

// Config configures the NF.
type Config struct{}

// FW records LAN flows and admits their replies.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW on the package's table.
func New(Config) *FW { return &FW{flows: flows} }

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == LAN {
		f.flows.Insert(p.Flow(), struct{}{}, p.Time)
		return maestro.Forward(WAN)
	}
	if f.flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
