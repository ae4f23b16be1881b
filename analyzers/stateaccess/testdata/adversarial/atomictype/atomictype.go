// Package atomictype is an adversarial NF (issue 11, class 2): like atomicfield but
// with a typed atomic field, hits atomic.Uint64, incremented with
// f.hits.Add(1): a method call on a field, not an assignment.
//
// The call writes the NF field through a pointer receiver. Writing an NF
// field without //maestro:state is MAE001 (or MAE013). Expected:
// {refused:MAE001, refused:MAE013}.
package atomictype

import (
	"sync/atomic"

	"github.com/nfmaestro/maestro/maestro"
)

// Sampler forwards one packet in 16 to the monitor port 1, the others to
// port 0.
//
//maestro:nf
type Sampler struct {
	hits atomic.Uint64
}

// New returns a Sampler.
func New() *Sampler { return &Sampler{} }

// Process samples one packet.
func (s *Sampler) Process(p *maestro.Packet) maestro.Verdict {
	if s.hits.Add(1)%16 == 0 { // want MAE001|MAE013
		return maestro.Forward(1)
	}
	return maestro.Forward(0)
}
