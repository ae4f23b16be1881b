// Package vectorptr is an adversarial NF (issue 11, class 2: mutable memory outside
// containers): per-port counters kept as pointers in a Vector[*Counter]; the
// packet path reads the pointer with At and increments b.Packets through it.
//
// The container is only read (At), so a per-call analysis sees a read-only
// vector and replicates it per core: each core then counts only its own
// packets (or, if the replicas share the pointers, all cores race on one
// counter). Either way the packet path writes memory outside the
// containers. A store through a pointer read from state is MAE013.
// Expected: {refused:MAE013}.
package vectorptr

import "github.com/nfmaestro/maestro/maestro"

// Counter counts packets.
type Counter struct {
	Packets uint64
}

// Stats counts packets per input port and drops a port's packets beyond
// the first 1000.
//
//maestro:nf
type Stats struct {
	//maestro:state
	counters *maestro.Vector[*Counter]
}

// New returns Stats for 2 ports.
func New() *Stats {
	v := maestro.NewVector[*Counter](2)
	v.Set(0, &Counter{})
	v.Set(1, &Counter{})
	return &Stats{counters: v}
}

// Process counts the packet.
func (s *Stats) Process(p *maestro.Packet) maestro.Verdict {
	b := s.counters.At(int(p.InPort & 1))
	b.Packets++ // want MAE013
	if b.Packets > 1000 {
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}
