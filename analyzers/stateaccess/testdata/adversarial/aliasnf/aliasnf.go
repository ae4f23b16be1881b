// Package aliasnf is an adversarial NF (issue 11, class 9: declarations): the
// //maestro:nf directive is on a type alias, type FW = fw, whose target
// holds the state and the methods.
//
// An analysis that reads the alias's own (empty) declaration plans a
// stateless NF; the generated code would then replicate an NF whose flow
// table it never saw. Alias NF declarations are refused at the line: MAE011.
// Expected: {refused:MAE011}.
package aliasnf

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

type fw struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// FW is a firewall.
//
//maestro:nf
type FW = fw // want MAE011

// New returns an FW.
func New() *FW { return &fw{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)} }

// Process filters one packet.
func (f *fw) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if p.InPort == LAN {
		f.flows.Insert(p.Flow(), struct{}{}, p.Time)
		return maestro.Forward(WAN)
	}
	if f.flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
