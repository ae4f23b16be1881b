// Package allocstored is an adversarial NF (class 10, results that depend
// on other keys' entries): a port mapper that gives each LAN source a slot
// from an Allocator, keeps the slot in a table keyed by the source, and
// writes 10000 + slot into the packet's source port.
//
// The table is keyed by p.SrcIP and the allocator is addressed only by
// slots it allocated (per core, like the table), so an analysis that
// looks only at keys shards on SrcIP, as for examples/adversarial/
// allocindex. But here the slot, read back from the table, reaches the
// packet: per-core allocators hand out their own slots. Locks keep the
// sequential slots. Expected: {locks}.
package allocstored

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
	// Timeout is how long a source keeps its slot without packets.
	Timeout time.Duration
}

// Mapper rewrites LAN packets' source ports; WAN packets are dropped.
//
//maestro:nf
//maestro:ack MAE003,MAE021 adversarial NF: it writes an allocated slot into the packet on purpose, and locks is the sound outcome TestAdversarial expects
type Mapper struct {
	//maestro:state
	slots *maestro.Table[uint32, uint16]
	//maestro:state
	alloc *maestro.Allocator
}

// New returns a Mapper with every slot free.
func New(cfg Config) *Mapper {
	return &Mapper{
		slots: maestro.NewTable[uint32, uint16](8192, int64(cfg.Timeout)),
		alloc: maestro.NewAllocator(8192, int64(cfg.Timeout)),
	}
}

// Process maps a LAN TCP or UDP packet's source port to its source's slot
// and passes it to the WAN.
func (m *Mapper) Process(p *maestro.Packet) maestro.Verdict {
	m.slots.Expire(p.Time)
	m.alloc.Expire(p.Time)
	if !p.IsIPv4() || !p.HasPorts() || p.InPort != LAN {
		return maestro.Drop
	}
	var slot uint16
	if i, ok := m.slots.Find(p.SrcIP); ok {
		m.slots.Refresh(i, p.Time)
		slot = m.slots.At(i)
		m.alloc.Refresh(int(slot), p.Time)
	} else {
		j, ok := m.alloc.Allocate(p.Time)
		if !ok {
			return maestro.Drop
		}
		slot = uint16(j)
		if _, ok := m.slots.Insert(p.SrcIP, slot, p.Time); !ok {
			m.alloc.Free(j)
			return maestro.Drop
		}
	}
	p.SetSrcPort(10000 + slot)
	return maestro.Forward(WAN)
}
