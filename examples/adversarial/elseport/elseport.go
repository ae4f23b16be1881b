// Package elseport is an adversarial NF (issue 11, class 4: ports): a
// firewall with two inside networks, LAN (port 0) and DMZ (port 1), and an
// uplink WAN (port 2). Process compares InPort only with WAN: both inside
// ports are reached through the else branch, which opens flows.
//
// An analysis that derives the port set from the comparisons sees port 2
// only, or puts the else branch on one port: flows opened on the DMZ are
// then not tied to their replies. Every port can reach the else branch; the
// FW's plan over ports 0, 1 and 2 is sound, and so are locks. Expected:
// {shared-nothing, locks}.
package elseport

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	DMZ maestro.Port = 1
	WAN maestro.Port = 2
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
	if p.InPort == WAN {
		if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
			f.flows.Refresh(i, p.Time)
			return maestro.Forward(LAN)
		}
		return maestro.Drop
	} else {
		if _, ok := f.flows.Insert(p.Flow(), struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
}
