// Package atomicfield is an adversarial NF (issue 11, class 2): a counter of packets
// kept in a plain uint64 field and incremented with atomic.AddUint64(&f.n, 1),
// the usual way to make a counter "safe" for concurrency.
//
// The NF field is written through its address by a library call: an
// analysis that looks for assignments to fields misses it, and every core
// then counts its own packets (or all cores share one cache line, if the
// field were shared). Writing an NF field without //maestro:state is MAE001
// (or MAE013, memory passed to code that writes it). Expected:
// {refused:MAE001, refused:MAE013}.
package atomicfield

import (
	"sync/atomic"

	"github.com/nfmaestro/maestro/maestro"
)

// Sampler forwards one packet in 16 to the monitor port 1, the others to
// port 0.
//
//maestro:nf
type Sampler struct {
	n uint64
}

// New returns a Sampler.
func New() *Sampler { return &Sampler{} }

// Process samples one packet.
func (s *Sampler) Process(p *maestro.Packet) maestro.Verdict {
	if atomic.AddUint64(&s.n, 1)%16 == 0 { // want MAE001|MAE013
		return maestro.Forward(1)
	}
	return maestro.Forward(0)
}
