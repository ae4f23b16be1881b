// Package accessor is an adversarial NF (issue 11, class 1): a firewall
// that reaches its table through an accessor method, f.table().Insert(...),
// the way many Go types wrap their fields.
//
// The accessor returns the //maestro:state field, so the Insert is an
// access to it; an analysis that only recognises calls whose receiver is a
// load of the field misses it, believes the table read-only and shards
// without tying replies to their flows. Expected: {shared-nothing, locks}.
package accessor

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

// table returns the flow table.
func (f *FW) table() *maestro.Table[maestro.FlowID, struct{}] { return f.flows }

// Process passes LAN packets (recording their flow) and WAN replies of
// known flows.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		if _, ok := f.table().Insert(p.Flow(), struct{}{}, p.Time); !ok {
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
