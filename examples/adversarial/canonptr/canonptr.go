// Package canonptr is an adversarial NF (issue 11, class 3): a firewall
// keyed by the canonical form of the 5-tuple, computed by a helper that
// rewrites the key through a pointer, canon(&k): the endpoint with the
// lower address comes first, so a flow and its replies share one key.
//
// An analysis that does not see the rewrite takes the key for p.Flow() on
// both ports and ties LAN flows to WAN packets of the same direction, not to
// their replies, which then reach other cores. The canonical key is
// symmetric: sharding with a symmetric RSS key is sound, and so are locks.
// Expected: {shared-nothing, locks}.
package canonptr

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

// canon puts the endpoint with the lower address (then port) first.
func canon(k *maestro.FlowID) {
	if k.SrcIP() > k.DstIP() || (k.SrcIP() == k.DstIP() && k.SrcPort() > k.DstPort()) {
		*k = maestro.MakeFlowID(k.DstIP(), k.SrcIP(), k.DstPort(), k.SrcPort(), k.Proto())
	}
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	k := p.Flow()
	canon(&k)
	if p.InPort == LAN {
		if _, ok := f.flows.Insert(k, struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
	if i, ok := f.flows.Find(k); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
