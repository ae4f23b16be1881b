// Package methodexpr is an adversarial NF (issue 11, class 1): a firewall
// that records flows through a method expression,
// (*maestro.Table[K, V]).Insert(f.flows, id, v, now): the receiver is an
// ordinary argument.
//
// The callee is static; an analysis that looks for the state field only in
// receiver position misses the Insert, believes the table read-only and
// shards without tying replies to their flows. Expected: {shared-nothing,
// locks}.
package methodexpr

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

type flowTable = maestro.Table[maestro.FlowID, struct{}]

// FW is a firewall.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *flowTable
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
		if _, ok := (*flowTable).Insert(f.flows, p.Flow(), struct{}{}, p.Time); !ok {
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
