// Package ctorgoroutine is an adversarial NF (issue 11, class 2): the
// constructor starts a goroutine that clears the flow table every second,
// beside the packet path.
//
// The analysis follows the packet path only; a goroutine the constructor
// starts writes state behind its back, and the parallel NF would start one
// per core. Refused: MAE019. Expected: {refused:MAE019}.
package ctorgoroutine

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// Config configures the NF.
type Config struct{}

// FW records flows; a janitor forgets them.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW and starts its janitor.
func New(Config) *FW {
	f := &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 0)}
	go func() { // want MAE019
		for range time.Tick(time.Second) {
			f.flows.Expire(1 << 62)
		}
	}()
	return f
}

// Process records LAN flows and admits their replies.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == 0 {
		f.flows.Insert(p.Flow(), struct{}{}, p.Time)
		return maestro.Forward(1)
	}
	if f.flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(0)
	}
	return maestro.Drop
}
