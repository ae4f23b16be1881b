// Package timenowvar is an adversarial NF (issue 11, more: time): a firewall that
// reads the clock through a package-level function variable, var now =
// time.Now (so that tests can replace it), instead of using p.Time.
//
// An analysis that matches calls to time.Now by callee never sees this
// call, which is dynamic. Wall-clock time on the packet path is MAE005; the
// unresolved call through a global is MAE015 (MAE008 if reading a mutable
// package-level variable counts). Expected: {refused:MAE005,
// refused:MAE015, refused:MAE008}.
package timenowvar

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

var now = time.Now // want MAE005

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
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	t := now().UnixNano()
	f.flows.Expire(t)
	if p.InPort == LAN {
		f.flows.Insert(p.Flow(), struct{}{}, t)
		return maestro.Forward(WAN)
	}
	if f.flows.Has(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
