// Package deferinsert is an adversarial NF (issue 11, class 1): a firewall
// whose LAN side records the flow in a deferred closure, after deciding the
// verdict: defer func() { f.flows.Insert(id, ...) }().
//
// The closure is a static callee that the packet path runs; an analysis
// that does not follow deferred closures misses the Insert, believes the
// table read-only and shards without tying replies to their flows. A
// closed-world analysis follows the closure. Expected: {shared-nothing,
// locks}.
package deferinsert

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

// Process passes LAN packets (recording their flow once the verdict is
// known) and WAN replies of known flows.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		id := p.Flow()
		defer func() {
			f.flows.Insert(id, struct{}{}, p.Time)
		}()
		return maestro.Forward(WAN)
	}
	if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
