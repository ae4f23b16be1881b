// Package configslice is an adversarial NF (issue 11, class 2): an uplink
// balancer whose configuration slice of credits is also used as the credit
// counter, f.weights[i]--.
//
// The field itself is never assigned; its backing array is, and every core
// shares it. A store into a configuration slice is MAE013 (MAE001 if the
// analysis counts element stores through a field as writes of the field,
// as it does for map updates). Expected: {refused:MAE013, refused:MAE001}.
package configslice

import "github.com/nfmaestro/maestro/maestro"

// WRR spreads LAN packets over two uplinks, by source address parity, until
// an uplink's credit runs out; then everything goes to the other.
//
//maestro:nf
type WRR struct {
	weights []int
}

// New returns a WRR with the given credits for ports 1 and 2.
func New(w1, w2 int) *WRR { return &WRR{weights: []int{w1, w2}} }

// Process picks the uplink.
func (w *WRR) Process(p *maestro.Packet) maestro.Verdict {
	i := int(p.SrcIP & 1)
	if w.weights[i] == 0 {
		i = 1 - i
	}
	if w.weights[i] > 0 {
		w.weights[i]-- // want MAE013|MAE001
	}
	return maestro.Forward(maestro.Port(i + 1))
}
