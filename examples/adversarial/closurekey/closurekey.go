// Package closurekey is an adversarial NF (issue 11, class 3): a firewall
// whose key is rewritten by a closure, reverse := func() { k = k.Reverse() },
// called for WAN packets before the shared lookup code.
//
// An analysis that does not follow the closure's store to k takes the WAN
// key for p.Flow(), ties LAN flows to WAN packets of the same direction,
// not to their replies, which then reach other cores. A closed-world
// analysis sees the reversed key (the FW's plan) or gives up (locks).
// Expected: {shared-nothing, locks}.
package closurekey

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
//maestro:ack MAE002 adversarial NF: its key hides the packet fields on purpose, and locks is the sound outcome TestAdversarial expects
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
	k := p.Flow()
	reverse := func() { k = k.Reverse() }
	if p.InPort == WAN {
		reverse()
	}
	i, ok := f.flows.Find(k)
	switch {
	case ok:
		f.flows.Refresh(i, p.Time)
	case p.InPort == WAN:
		return maestro.Drop
	default:
		if _, ok := f.flows.Insert(k, struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	return maestro.Forward(LAN)
}
