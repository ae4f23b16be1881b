// Package expirecond is an adversarial NF (issue 11, class 5): a firewall
// that expires its flows only when a TCP SYN arrives (the author expires
// when connections are opened, to keep the common path short).
//
// Sequentially, any SYN expires every stale flow; shared-nothing, only its
// own core's, so a reply on a core that saw no SYN since the flow went
// stale still finds it. The Expire is conditional: locks (MAE017).
// Expected: {locks}.
package expirecond

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
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.Proto == maestro.ProtoTCP && p.TCPFlags&0x02 != 0 {
		f.flows.Expire(p.Time) // want MAE017
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
