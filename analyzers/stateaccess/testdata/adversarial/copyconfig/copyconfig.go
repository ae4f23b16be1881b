// Package copyconfig is an adversarial NF (issue 11, class 2): a rewriter that uses
// a configuration slice as its scratch buffer, copy(f.scratch, p.Data[:12])
// (saving the MAC addresses before swapping them).
//
// The field is never assigned; copy writes its backing array, which every
// core shares: two cores swapping at once corrupt each other's frames. A
// store into configuration memory by copy is MAE013. Expected:
// {refused:MAE013}.
package copyconfig

import "github.com/nfmaestro/maestro/maestro"

// Mirror swaps the MAC addresses and sends the frame back where it came
// from.
//
//maestro:nf
type Mirror struct {
	scratch []byte
}

// New returns a Mirror.
func New() *Mirror { return &Mirror{scratch: make([]byte, 12)} }

// Process mirrors one frame.
func (m *Mirror) Process(p *maestro.Packet) maestro.Verdict {
	if len(p.Data) < 12 {
		return maestro.Drop
	}
	copy(m.scratch, p.Data[:12]) // want MAE013|MAE001
	copy(p.Data[0:6], m.scratch[6:12])
	copy(p.Data[6:12], m.scratch[0:6])
	return maestro.Forward(p.InPort)
}
