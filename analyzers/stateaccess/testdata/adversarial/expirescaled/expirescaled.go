// Package expirescaled is an adversarial NF (issue 11, class 5): Expire is
// given twice the packet's time.
//
// Only a monotone shift of p.Time keeps each core's expiry in step with the
// sequential NF's; a scaled clock is not the packet's time (MAE017, locks).
// Expected: {locks}.
package expirescaled

import "github.com/nfmaestro/maestro/maestro"

// Config configures the NF.
type Config struct{}

// FW records LAN flows and admits their replies.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW.
func New(Config) *FW { return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1000)} }

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time * 2) // want MAE017
	if p.InPort == 0 {
		f.flows.Insert(p.Flow(), struct{}{}, p.Time)
		return maestro.Forward(1)
	}
	if f.flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(0)
	}
	return maestro.Drop
}
