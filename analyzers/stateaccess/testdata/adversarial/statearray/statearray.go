// Package statearray is an adversarial NF (issue 11, class 1): a firewall with one
// table per direction in an array marked //maestro:state, [2]*maestro.Table.
//
// The directive is on a field that is not a container: an analysis that
// looks through arrays, or takes the element type for the field's, would
// plan per-core copies without tracking which element a packet uses. A
// //maestro:state field whose type is not a container is MAE010. Expected:
// {refused:MAE010}.
package statearray

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
	flows [2]*maestro.Table[maestro.FlowID, struct{}] // want MAE010
}

// New returns an FW.
func New() *FW {
	return &FW{flows: [2]*maestro.Table[maestro.FlowID, struct{}]{
		maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9),
		maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9),
	}}
}

// Process records the flow in its direction's table and passes packets
// whose reverse flow was seen.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	in := p.InPort & 1
	f.flows[in].Insert(p.Flow(), struct{}{}, p.Time)
	if in == LAN || f.flows[1-in].Has(p.Flow().Reverse()) {
		return maestro.Forward(1 - p.InPort&1)
	}
	return maestro.Drop
}
