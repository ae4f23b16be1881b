// Package ctorsecret is an adversarial NF (issue 11, declarations): the
// constructor draws a secret from the global random source, and Process
// stamps it into every packet's TTL.
//
// The sequential NF has one secret. The parallel NF calls New once per
// core, so every core stamps its own: different bytes for the same packet,
// whatever the plan. A constructor whose result differs from one call to
// the next is MAE019. Expected: {refused:MAE019}.
package ctorsecret

import (
	"math/rand/v2"

	"github.com/nfmaestro/maestro/maestro"
)

// Stamper marks packets with a per-instance secret.
//
//maestro:nf
type Stamper struct {
	secret uint8
}

// New returns a Stamper with a fresh secret.
func New() *Stamper {
	return &Stamper{secret: uint8(rand.Uint32())} // want MAE019
}

// Process stamps one packet.
func (s *Stamper) Process(p *maestro.Packet) maestro.Verdict {
	p.SetTTL(s.secret | 0x80)
	return maestro.Forward(1 - p.InPort&1)
}
