package fix

import "github.com/nfmaestro/maestro/maestro"

//maestro:nf
type Counter struct {
	n int
}

func New() *Counter { return &Counter{} }

func (c *Counter) Process(p *maestro.Packet) maestro.Verdict {
	c.n = 1 // want `MAE001: assignment writes field n of Counter`
	return maestro.Drop
}
