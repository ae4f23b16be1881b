// Package unmarkedstruct is an adversarial NF (issue 11, class 1): a firewall that
// groups its tables in a struct field without //maestro:state,
// f.tables.flows. No field is written on the packet path, only the
// container, through its methods.
//
// An analysis that only tracks //maestro:state fields sees no state: a
// "stateless" plan whose cores each keep their own, untracked, flows. A
// container used on the packet path that is not reached through a
// //maestro:state field is MAE014. Expected: {refused:MAE014}.
package unmarkedstruct

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

type tables struct {
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// FW is a firewall.
//
//maestro:nf
type FW struct {
	tables tables
}

// New returns an FW.
func New() *FW {
	return &FW{tables: tables{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)}}
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == LAN {
		f.tables.flows.Insert(p.Flow(), struct{}{}, p.Time) // want MAE014
		return maestro.Forward(WAN)
	}
	if f.tables.flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
