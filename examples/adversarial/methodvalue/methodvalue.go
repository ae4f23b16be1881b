// Package methodvalue is an adversarial NF (issue 11, class 1: state
// reached other than by a direct method call): a firewall whose LAN side
// creates flows through a method value, insert := f.flows.Insert, and
// calls insert later. The WAN side looks up the reversed 5-tuple directly.
//
// An analysis that only recognises direct calls on the state field misses
// the Insert: flows then looks read-only, nothing ties a flow to its
// replies, and a shared-nothing NF drops the replies that reach another
// core. The method value's target is static, so a closed-world analysis
// resolves it and finds the FW's plan: shared-nothing with a symmetric
// key (or, conservatively, locks). Expected: {shared-nothing, locks}.
package methodvalue

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

// FW is a firewall.
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

// Process passes LAN packets (recording their flow) and WAN replies of
// known flows.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		insert := f.flows.Insert
		if _, ok := insert(p.Flow(), struct{}{}, p.Time); !ok {
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
