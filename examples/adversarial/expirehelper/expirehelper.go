// Package expirehelper is a negative control of the adversarial suite
// (issue 11, class 5): a firewall whose expiry runs first on every packet,
// but inside a helper, f.housekeeping(p.Time), that Process calls before
// anything else.
//
// The Expire dominates every access on every packet, one call down: the
// plan is the FW's, shared-nothing, and must stay so (a dominance check
// that only looks at Process itself would wrongly force locks). Expected:
// {shared-nothing}.
package expirehelper

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

// housekeeping forgets stale flows.
func (f *FW) housekeeping(now int64) { f.flows.Expire(now) }

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.housekeeping(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
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
