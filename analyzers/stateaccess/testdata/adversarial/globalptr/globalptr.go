// Package globalptr is an adversarial NF (issue 11, class 2): a drop counter that
// is a package-level variable, reached only through a pointer the
// constructor stores in the NF, f.drops = &drops; the packet path writes
// *f.drops.
//
// No package-level variable is named on the packet path, and no NF field
// is assigned. The store reaches a global through a pointer: MAE008 or
// MAE013. Expected: {refused:MAE008, refused:MAE013}.
package globalptr

import "github.com/nfmaestro/maestro/maestro"

var drops uint64

// Filter drops packets with TTL 1 or less and counts them globally.
//
//maestro:nf
type Filter struct {
	drops *uint64
}

// New returns a Filter.
func New() *Filter { return &Filter{drops: &drops} }

// Process filters one packet.
func (f *Filter) Process(p *maestro.Packet) maestro.Verdict {
	if p.TTL <= 1 {
		*f.drops++ // want MAE008|MAE013
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}
