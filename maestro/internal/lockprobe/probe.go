// Package lockprobe is an NF written to trip the lock-based runtime, and
// the lock-based parallel NF maestrogen generates for it (from a
// hand-written plan, see gen's TestLockProbeUpToDate: the analysis would
// rightly refuse some of what it does). Each packet
//
//   - flips its input port and shortens its frame by one byte (an NF may
//     assign p.InPort and p.Data),
//   - scrambles its payload bytes in place (not through a setter),
//   - looks its flow up and inserts it if new, using the index Insert
//     returns as a slice index without checking it (a sequential run never
//     sees Insert fail while the table has room),
//   - panics when Config.Panics is set and its destination port says so,
//     before or after writing.
//
// A read pass that attempts the insert must therefore restore all of that
// and must never hand the NF Insert's refusal.
package lockprobe

import "github.com/nfmaestro/maestro/maestro"

// Destination ports that make Process panic.
const (
	// PanicRead panics before any write: in the read pass.
	PanicRead uint16 = 6666
	// PanicWrite panics after inserting a new flow: in the write pass.
	PanicWrite uint16 = 7777
)

// Config sizes the probe.
type Config struct {
	// Capacity is the flow table's capacity (default 64).
	Capacity int
	// Panics enables the planted panics (PanicRead, PanicWrite).
	Panics bool
}

// Probe is the NF.
type Probe struct {
	panics bool
	// weights is configuration, read-only on the packet path: one weight
	// per table index.
	weights []uint8
	flows   *maestro.Table[maestro.FlowID, uint8]
}

// New returns a probe with an empty table.
func New(cfg Config) *Probe {
	if cfg.Capacity <= 0 {
		cfg.Capacity = 64
	}
	flows := maestro.NewTable[maestro.FlowID, uint8](cfg.Capacity, 0)
	w := make([]uint8, flows.Cap())
	for i := range w {
		w[i] = uint8(i*7 + 1)
	}
	return &Probe{panics: cfg.Panics, weights: w, flows: flows}
}

// Process runs the probe on p.
func (n *Probe) Process(p *maestro.Packet) maestro.Verdict {
	if !p.HasPorts() || p.PayloadOff == 0 || p.PayloadOff >= len(p.Data) {
		return maestro.Drop
	}
	id := p.Flow()
	p.InPort ^= 1
	p.Data = p.Data[:len(p.Data)-1]
	for i := p.PayloadOff; i < len(p.Data); i++ {
		p.Data[i] ^= 0x5a
	}
	if n.panics && p.DstPort == PanicRead {
		panic("lockprobe: planted panic in the read pass")
	}
	i, ok := n.flows.Find(id)
	if !ok {
		i, _ = n.flows.Insert(id, 1, p.Time)
		if n.panics && p.DstPort == PanicWrite {
			panic("lockprobe: planted panic in the write pass")
		}
	}
	// Using the index unchecked is fine in a sequential run with room.
	p.Data[p.PayloadOff] = n.weights[i]
	return maestro.Forward(p.InPort)
}
