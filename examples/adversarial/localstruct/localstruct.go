// Package localstruct is an adversarial NF and a negative control (issue 11,
// class 1, and "sound sharding refused today"): a firewall whose packet
// path puts its flow table and the packet time in a small local struct,
// v := view{flows: f.flows, now: p.Time}, and calls methods on it.
//
// The struct never escapes, so every access is still a call on the
// //maestro:state field with a key from the packet: the plan is the FW's,
// shared-nothing with a symmetric key. An analysis that loses the table in
// the struct misses every access (wrong shared-nothing) or refuses it
// (MAE006, the behaviour the issue asks to fix). Expected: {shared-nothing}.
package localstruct

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

// view bundles what the handlers need for one packet.
type view struct {
	flows *maestro.Table[maestro.FlowID, struct{}]
	now   int64
}

func (v view) admit(id maestro.FlowID) bool {
	_, ok := v.flows.Insert(id, struct{}{}, v.now)
	return ok
}

func (v view) known(id maestro.FlowID) bool {
	i, ok := v.flows.Find(id)
	if ok {
		v.flows.Refresh(i, v.now)
	}
	return ok
}

// Process passes LAN packets (recording their flow) and WAN replies of
// known flows.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	v := view{flows: f.flows, now: p.Time}
	if p.InPort == LAN {
		if !v.admit(p.Flow()) {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
	if v.known(p.Flow().Reverse()) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
