// Package portphi is an adversarial NF (class 3, key provenance): a byte
// meter per flow whose key is p.Flow() on the LAN and p.Flow().Reverse()
// on the WAN, chosen by an if on p.InPort that rewrites a local: one phi
// whose incoming values differ by port, the way ordinary Go code writes a
// symmetric flow key.
//
// The phi mixes two field orders, so a walk over every port at once must
// call the key opaque (locks). Walked once per port, the phi has one
// incoming value on each: (SrcIP, DstIP, SrcPort, DstPort) on the LAN and
// the reverse on the WAN, a symmetric pair RSS can serve. An analysis that
// merged the per-port keys wrongly (the LAN key on both ports, say) would
// send a flow's two directions to different cores. The per-port walk is
// pinned: Expected: {shared-nothing}.
package portphi

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
	// Timeout is how long a flow lives without packets.
	Timeout time.Duration
	// Budget is how many payload bytes a flow may carry, both directions
	// together (default 1500).
	Budget uint32
}

// Meter drops a flow's packets once it has carried Budget payload bytes;
// WAN packets of flows the LAN did not open are dropped.
//
//maestro:nf
type Meter struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, uint32]

	budget uint32
}

// New returns a Meter with no flows.
func New(cfg Config) *Meter {
	if cfg.Budget == 0 {
		cfg.Budget = 1500
	}
	return &Meter{flows: maestro.NewTable[maestro.FlowID, uint32](8192, int64(cfg.Timeout)), budget: cfg.Budget}
}

// Process meters the packet against its flow.
func (m *Meter) Process(p *maestro.Packet) maestro.Verdict {
	m.flows.Expire(p.Time)
	if !p.IsIPv4() || p.InPort > WAN {
		return maestro.Drop
	}
	id := p.Flow()
	out := WAN
	if p.InPort == WAN {
		id = id.Reverse()
		out = LAN
	}
	bytes := uint32(len(p.Data) - p.PayloadOff)
	if i, ok := m.flows.Find(id); ok {
		n := m.flows.At(i) + bytes
		m.flows.Set(i, n)
		m.flows.Refresh(i, p.Time)
		if n > m.budget {
			return maestro.Drop
		}
		return maestro.Forward(out)
	}
	if p.InPort == WAN {
		return maestro.Drop
	}
	if _, ok := m.flows.Insert(id, bytes, p.Time); !ok {
		return maestro.Drop
	}
	return maestro.Forward(out)
}
