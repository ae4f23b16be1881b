// Package genericnf is an adversarial NF (issue 11, class 9): a generic NF type,
// FW[K comparable], whose key type and key function are type and value
// parameters.
//
// The key provenance depends on the instantiation (and the key function is
// a dynamic call): the analysis cannot plan the generic type. Generic NF
// types are refused at the line: MAE011. Expected: {refused:MAE011}.
package genericnf

import "github.com/nfmaestro/maestro/maestro"

// FW is a firewall generic in its flow key.
//
//maestro:nf
type FW[K comparable] struct { // want MAE011
	//maestro:state
	flows *maestro.Table[K, struct{}]

	key func(p *maestro.Packet) K
}

// New returns an FW keyed by key.
func New[K comparable](key func(p *maestro.Packet) K) *FW[K] {
	return &FW[K]{flows: maestro.NewTable[K, struct{}](1024, 1e9), key: key}
}

// Process filters one packet.
func (f *FW[K]) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if p.InPort == 0 {
		f.flows.Insert(f.key(p), struct{}{}, p.Time)
		return maestro.Forward(1)
	}
	if f.flows.Has(f.key(p)) {
		return maestro.Forward(0)
	}
	return maestro.Drop
}
