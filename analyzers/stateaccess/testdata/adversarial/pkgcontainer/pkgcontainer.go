// Package pkgcontainer is an adversarial NF (issue 11, class 1): a firewall whose
// flow table is a package-level variable, created once, and used through
// its methods only: no package-level variable is ever assigned on the
// packet path.
//
// Every parallel copy of the NF shares the one table, unsynchronised, while
// the plan believes the NF stateless. A package-level container used on the
// packet path is MAE008 (or MAE014). Expected: {refused:MAE008,
// refused:MAE014}.
package pkgcontainer

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

var flows = maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)

// FW is a firewall.
//
//maestro:nf
type FW struct{}

// New returns an FW.
func New() *FW { return &FW{} }

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == LAN {
		flows.Insert(p.Flow(), struct{}{}, p.Time) // want MAE008|MAE014
		return maestro.Forward(WAN)
	}
	if flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
