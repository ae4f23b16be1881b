// Package configmap is an adversarial NF (issue 11, class 2): an allow-list kept in
// a Go map configuration field that the packet path also writes, to
// remember sources it has seen once (f.allowed[p.SrcIP] = true).
//
// The field is never assigned; the map it points to is, and every core
// shares it, unsynchronised. A store into a configuration map is MAE013
// (MAE001 if the analysis counts map updates on a field as writes of the
// field). Expected: {refused:MAE013, refused:MAE001}.
package configmap

import "github.com/nfmaestro/maestro/maestro"

// Allow passes LAN packets and remembers their sources; WAN packets pass
// only to remembered hosts.
//
//maestro:nf
type Allow struct {
	allowed map[uint32]bool
}

// New returns an Allow with the given hosts allowed.
func New(hosts []uint32) *Allow {
	a := &Allow{allowed: map[uint32]bool{}}
	for _, h := range hosts {
		a.allowed[h] = true
	}
	return a
}

// Process filters one packet.
func (a *Allow) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == 0 {
		a.allowed[p.SrcIP] = true // want MAE013|MAE001
		return maestro.Forward(1)
	}
	if a.allowed[p.DstIP] {
		return maestro.Forward(0)
	}
	return maestro.Drop
}
