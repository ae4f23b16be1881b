// Package ctorglobal is an adversarial NF (issue 11, class 2): the
// constructor numbers its instances in a package variable, which Process
// reads to stamp packets.
//
// The sequential NF has one instance; the parallel NF calls New once per
// core, so every core reads a different (and moving) number. A package
// variable read on the packet path and written outside init is MAE008; a
// constructor that depends on one is MAE019. Expected: {refused:MAE019,
// refused:MAE008}.
package ctorglobal

import "github.com/nfmaestro/maestro/maestro"

var instances uint8

// Stamp writes the instance number into the TTL.
//
//maestro:nf
type Stamp struct{}

// New returns a Stamp.
func New() *Stamp {
	instances++ // want MAE019
	return &Stamp{}
}

// Process stamps one packet.
func (s *Stamp) Process(p *maestro.Packet) maestro.Verdict {
	p.SetTTL(64 + instances) // want MAE008
	return maestro.Forward(1 - p.InPort&1)
}
