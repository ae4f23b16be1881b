// Package embedded is an adversarial NF (issue 11, class 1): a firewall that embeds
// an unmarked struct holding its table, so that the packet path writes
// f.flows.Insert(...) exactly as if flows were a //maestro:state field of
// the NF; it is a promoted field of the embedded struct.
//
// An analysis that matches field names, or only looks at the NF's own
// fields, misses the table (or mistakes it for state). A container reached
// through an unmarked field is MAE014. Expected: {refused:MAE014}.
package embedded

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

type base struct {
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// FW is a firewall.
//
//maestro:nf
type FW struct {
	base
}

// New returns an FW.
func New() *FW {
	return &FW{base{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)}}
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == LAN {
		f.flows.Insert(p.Flow(), struct{}{}, p.Time) // want MAE014
		return maestro.Forward(WAN)
	}
	if f.flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
