// Package configport is an adversarial NF (issue 11, class 4): a firewall
// whose inside port comes from the configuration: p.InPort == f.inside.
//
// Which port opens flows is unknown to the analysis (MAE009, which forces
// locks). An analysis that ignores the comparison, or assumes the usual
// port 0, may shard with a key that does not tie flows to their replies.
// Expected: {locks}.
package configport

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
	// Inside is the port facing the protected network (default LAN); the
	// other of LAN and WAN is the outside.
	Inside maestro.Port
}

// FW is a firewall: LAN packets create or refresh their flow and pass,
// WAN packets pass only as replies of a live flow.
//
//maestro:nf
//maestro:ack MAE009 adversarial NF: it compares p.InPort with configuration on purpose, and locks is the sound outcome TestAdversarial expects
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]

	inside, outside maestro.Port
}

// New returns an FW with no flows.
func New(cfg Config) *FW {
	out := WAN
	if cfg.Inside == WAN {
		out = LAN
	}
	return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](8192, int64(cfg.Timeout)), inside: cfg.Inside, outside: out}
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == f.inside { // want MAE009
		if _, ok := f.flows.Insert(p.Flow(), struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(f.outside)
	}
	if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(f.inside)
	}
	return maestro.Drop
}
