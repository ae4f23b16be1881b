// Package valuereceiver is an adversarial NF (issue 11, class 9): a firewall whose
// Process has a value receiver, func (f FW) Process. The state is a
// pointer, so the container calls still reach the one table.
//
// An analysis that looks for Process on *FW only, or follows the receiver
// copy badly, misses every access. Analysing it correctly gives the FW's
// plan (shared-nothing or locks); refusing it at the line is MAE011.
// Expected: {shared-nothing, locks, refused:MAE011}, and a plan that
// generates code must record the writes to flows.
package valuereceiver

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// FW is a firewall.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW.
func New() *FW { return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)} }

// Process filters one packet.
func (f FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if p.InPort == LAN {
		if _, ok := f.flows.Insert(p.Flow(), struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
	if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
