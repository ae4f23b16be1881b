// Package closurecapture is an adversarial NF (issue 11, class 1): a firewall whose
// constructor creates the flow table in a local variable and hands the NF
// two closures that capture it (f.record, f.known); the NF struct holds no
// container at all.
//
// The table lives only in the closures' environment: an analysis that
// tracks NF fields sees a stateless NF of two function fields. A container
// captured by a closure from the constructor is MAE014; the calls through
// function fields are dynamic (MAE015) unless resolved. Expected:
// {refused:MAE014, refused:MAE015}.
package closurecapture

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
	record func(id maestro.FlowID, now int64) bool
	known  func(id maestro.FlowID) bool
}

// New returns an FW.
func New() *FW {
	flows := maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)
	return &FW{
		record: func(id maestro.FlowID, now int64) bool {
			_, ok := flows.Insert(id, struct{}{}, now)
			return ok
		},
		known: func(id maestro.FlowID) bool { return flows.Has(id) },
	}
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == LAN {
		if !f.record(p.Flow(), p.Time) {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
	if f.known(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
