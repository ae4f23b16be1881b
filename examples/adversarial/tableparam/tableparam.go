// Package tableparam is an adversarial NF (issue 11, class 1): a firewall
// whose LAN side records flows through a package function that takes the
// table as a parameter, admit(f.flows, p), the usual way to share code
// between NFs.
//
// The state field is passed to a static callee in the package: the access
// inside it is an access to the field. An analysis that loses the state at
// the call sees the table read-only (or refuses with MAE006). Expected:
// {shared-nothing, locks}.
package tableparam

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures the NF.
type Config struct {
	Timeout time.Duration // flow lifetime without traffic
}

// FW is a firewall: LAN packets create or refresh their flow and pass,
// WAN packets pass only as replies of a live flow.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW with no flows.
func New(cfg Config) *FW {
	return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](8192, int64(cfg.Timeout))}
}

// admit records p's flow in t.
func admit(t *maestro.Table[maestro.FlowID, struct{}], p *maestro.Packet) bool {
	_, ok := t.Insert(p.Flow(), struct{}{}, p.Time)
	return ok
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		if !admit(f.flows, p) {
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
