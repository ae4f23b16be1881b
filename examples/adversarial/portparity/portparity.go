// Package portparity is an adversarial NF (issue 11, class 4): a firewall
// for a box whose even ports face inside and odd ports face outside, tested
// with p.InPort%2 == 0 (ports 0 and 2 inside, 1 and 3 outside).
//
// The comparison is with a constant, but of InPort%2, not of InPort: an
// analysis that reads it as "InPort == 0" puts the inside branch on port 0
// only and never ties flows opened on port 2 to their replies. The branch
// condition on an unknown function of the port means any port. Expected:
// {shared-nothing, locks}.
package portparity

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
	if p.InPort%2 == 0 {
		if _, ok := f.flows.Insert(p.Flow(), struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(p.InPort + 1)
	}
	if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(p.InPort - 1)
	}
	return maestro.Drop
}
