// Package allocindex is a negative control of the adversarial suite (issue
// 11, "sound sharding refused today"): a per-flow byte meter whose flow
// table maps each flow to a slot taken from an Allocator, and whose byte
// counts live in a Vector indexed by that slot. A flow (either direction)
// may send Budget bytes per lifetime; beyond that its packets are dropped.
//
// The Vector index is an entry of the flow table, which is sharded by the
// 5-tuple (symmetric); the allocator and the vector are then per-core like
// the table, so the NF is shared-nothing. Expected: {shared-nothing}.
package allocindex

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures the meter.
type Config struct {
	Timeout time.Duration // flow lifetime without traffic
	Budget  uint64        // bytes per flow (default 600)
}

// Meter meters flows.
//
//maestro:nf
type Meter struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, int]
	//maestro:state
	slots *maestro.Allocator
	//maestro:state
	bytes *maestro.Vector[uint64]

	budget uint64
}

// New returns a Meter with no flows.
func New(cfg Config) *Meter {
	if cfg.Budget == 0 {
		cfg.Budget = 600
	}
	const n = 8192
	return &Meter{
		flows:  maestro.NewTable[maestro.FlowID, int](n, int64(cfg.Timeout)),
		slots:  maestro.NewAllocator(n, int64(cfg.Timeout)),
		bytes:  maestro.NewVector[uint64](n),
		budget: cfg.Budget,
	}
}

// Process meters one packet: LAN packets open flows, WAN packets must
// belong to one.
func (m *Meter) Process(p *maestro.Packet) maestro.Verdict {
	m.flows.Expire(p.Time)
	m.slots.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		id := p.Flow()
		if i, ok := m.flows.Find(id); ok {
			return m.meter(i, p, maestro.Forward(WAN))
		}
		s, ok := m.slots.Allocate(p.Time)
		if !ok {
			return maestro.Drop
		}
		i, ok := m.flows.Insert(id, s, p.Time)
		if !ok {
			m.slots.Free(s)
			return maestro.Drop
		}
		m.bytes.Set(s, 0)
		return m.meter(i, p, maestro.Forward(WAN))
	}
	if i, ok := m.flows.Find(p.Flow().Reverse()); ok {
		return m.meter(i, p, maestro.Forward(LAN))
	}
	return maestro.Drop
}

// meter refreshes the flow at index i of the flow table and counts p
// against its budget.
func (m *Meter) meter(i int, p *maestro.Packet, out maestro.Verdict) maestro.Verdict {
	slot := m.flows.At(i)
	m.flows.Refresh(i, p.Time)
	m.slots.Refresh(slot, p.Time)
	used := m.bytes.At(slot) + uint64(p.Len())
	m.bytes.Set(slot, used)
	if used > m.budget {
		return maestro.Drop
	}
	return out
}
