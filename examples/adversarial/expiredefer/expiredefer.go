// Package expiredefer is an adversarial NF (issue 11, class 5): a firewall
// that expires stale flows in a deferred call, defer f.flows.Expire(p.Time),
// written at the top of Process as cleanup "for the next packet".
//
// The deferred Expire runs after the accesses: a lookup sees what the
// previous packet of its core left, which on a shared-nothing NF may be
// much older than the sequential NF's previous packet. The Expire does not
// run before every access: locks (MAE017). Expected: {locks}.
package expiredefer

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
//maestro:ack MAE017 adversarial NF: its Expire does not run first on purpose, and locks is the sound outcome TestAdversarial expects
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
	defer f.flows.Expire(p.Time) // want MAE017
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
