// Package switchdefault is an adversarial NF (issue 11, class 4): a
// firewall that switches on InPort with a case for LAN and a default for
// everything else, which looks up replies. Frames may arrive on any port
// (here also on port 2, a second uplink the code never names).
//
// The default branch runs on every port but LAN; an analysis that gives it
// the declared WAN port only never ties LAN flows to replies arriving on
// port 2. The FW's plan with the default branch on any port is sound, and
// so are locks. Expected: {shared-nothing, locks}.
package switchdefault

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
	default:
		if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
			f.flows.Refresh(i, p.Time)
			return maestro.Forward(LAN)
		}
		return maestro.Drop
	}
}
