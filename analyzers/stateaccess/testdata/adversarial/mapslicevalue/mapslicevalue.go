// Package mapslicevalue is an adversarial NF (issue 11, class 2): a Map whose
// values are byte slices (a per-source histogram of TTLs, allocated when the
// source is first seen); the packet path increments an element of the slice
// it got from Get, without a Put.
//
// Only Get runs on the common path, so a per-call analysis may see the map
// read-only, but the slice elements are memory outside the container that
// the packet path writes. A store through memory read from state is
// MAE013. Expected: {refused:MAE013}.
package mapslicevalue

import "github.com/nfmaestro/maestro/maestro"

// Hist keeps a histogram of TTLs per source.
//
//maestro:nf
type Hist struct {
	//maestro:state
	ttls *maestro.Map[uint32, []uint32]
}

// New returns an empty Hist.
func New() *Hist { return &Hist{ttls: maestro.NewMap[uint32, []uint32](1024)} }

// Process counts the packet's TTL for its source.
func (h *Hist) Process(p *maestro.Packet) maestro.Verdict {
	hist, ok := h.ttls.Get(p.SrcIP)
	if !ok {
		hist = make([]uint32, 256)
		h.ttls.Put(p.SrcIP, hist)
	}
	hist[p.TTL]++ // want MAE013
	return maestro.Forward(1 - p.InPort&1)
}
