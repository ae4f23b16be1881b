// Package generichelper is an adversarial NF (issue 11, class 1): a firewall
// whose LAN side records flows through a generic helper,
// admit[K comparable](t *maestro.Table[K, struct{}], k K, now int64), the
// kind of helper an author shares between NFs.
//
// In SSA the call goes to an instantiation of the generic function (or to
// its generic body with a dictionary); an analysis that does not follow it
// misses the Insert, believes the table read-only and shards without tying
// replies to their flows. Expected: {shared-nothing, locks}.
package generichelper

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

// admit records k in t, refreshing it if present.
func admit[K comparable](t *maestro.Table[K, struct{}], k K, now int64) bool {
	_, ok := t.Insert(k, struct{}{}, now)
	return ok
}

// Process passes LAN packets (recording their flow) and WAN replies of
// known flows.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		if !admit(f.flows, p.Flow(), p.Time) {
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
