// Package quiet is an NF that runs shared-nothing although one of its
// lookups is keyed by a MAC address: the table it reads is written only by
// Expire, so nothing forces locks, and no diagnostic may say otherwise.
package quiet

import "github.com/nfmaestro/maestro/maestro"

type Config struct{}

//maestro:nf
type Quiet struct {
	//maestro:state
	macs *maestro.Table[maestro.MAC, int]
}

func New(Config) *Quiet { return &Quiet{} }

func (q *Quiet) Process(p *maestro.Packet) maestro.Verdict {
	q.macs.Expire(p.Time)
	if _, ok := q.macs.Find(p.EthSrc); ok {
		return maestro.Drop
	}
	return maestro.Forward(1)
}
