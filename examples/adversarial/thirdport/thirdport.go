// Package thirdport is an adversarial NF (issue 11, class 4): a firewall
// with one LAN (port 0) and two uplinks, WAN (port 1) and WAN2 (port 2);
// replies of a flow may come back on either uplink.
//
// An analysis that assumes ports 0 and 1 (or drops constants above 1)
// never ties LAN flows to replies on port 2, which then reach other cores.
// The FW's plan over ports 0, 1 and 2 is sound, and so are locks.
// Expected: {shared-nothing, locks}.
package thirdport

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN  maestro.Port = 0
	WAN  maestro.Port = 1
	WAN2 maestro.Port = 2
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

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	switch p.InPort {
	case LAN:
		if _, ok := f.flows.Insert(p.Flow(), struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	case WAN, WAN2:
		if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
			f.flows.Refresh(i, p.Time)
			return maestro.Forward(LAN)
		}
	}
	return maestro.Drop
}
