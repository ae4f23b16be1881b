// Package packetcopysetter is an adversarial NF (issue 11, class 3): the
// key is read from a copy of the Packet after a setter rewrote the copy.
//
// q := *p; q.SetSrcIP(x) changes q.SrcIP (and q's frame bytes, shared with
// p): a key on q.SrcIP is x, not the address the NIC hashed. The copy is a
// local variable a call writes: its fields are opaque, which means locks.
// Expected: {locks}.
package packetcopysetter

import "github.com/nfmaestro/maestro/maestro"

// Config configures the NF.
type Config struct{}

// Mirror counts packets by destination, after swapping addresses in a copy.
//
//maestro:nf
type Mirror struct {
	//maestro:state
	seen *maestro.Table[uint32, struct{}]
}

// New returns an empty Mirror.
func New(Config) *Mirror { return &Mirror{seen: maestro.NewTable[uint32, struct{}](1024, 0)} }

// Process records one packet.
func (m *Mirror) Process(p *maestro.Packet) maestro.Verdict {
	q := *p
	q.SetSrcIP(p.DstIP)
	m.seen.Insert(q.SrcIP, struct{}{}, p.Time) // want MAE002
	return maestro.Forward(1 - p.InPort&1)
}
