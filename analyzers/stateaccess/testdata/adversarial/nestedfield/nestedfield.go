// Package nestedfield is an adversarial NF (issue 11, class 2): a counter kept in a
// field of a nested struct field, f.stats.drops++.
//
// The store is to a field of a field: an analysis that only checks stores
// whose address is a field of the NF itself misses it. Writing an NF field
// (at any depth) without //maestro:state is MAE001. Expected:
// {refused:MAE001}.
package nestedfield

import "github.com/nfmaestro/maestro/maestro"

type stats struct {
	drops, passed uint64
}

// Filter drops TTL-expired packets and counts them; after 1000 drops it
// drops everything (a crude alarm).
//
//maestro:nf
type Filter struct {
	stats stats
}

// New returns a Filter.
func New() *Filter { return &Filter{} }

// Process filters one packet.
func (f *Filter) Process(p *maestro.Packet) maestro.Verdict {
	if p.TTL <= 1 || f.stats.drops >= 1000 {
		f.stats.drops++ // want MAE001
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}
