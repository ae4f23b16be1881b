// Package promotedprocess is an adversarial NF (issue 11, declarations):
// the NF type gets Process from an embedded struct that holds the table.
//
// Process's receiver is then the embedded struct, not the NF: its state is
// not the NF's //maestro:state field, and the generated code would build
// the NF's fields while the packet path uses the embedded ones. Refused:
// MAE011. Expected: {refused:MAE011}.
package promotedprocess

import "github.com/nfmaestro/maestro/maestro"

// Config configures the NF.
type Config struct{}

type core struct {
	flows *maestro.Table[uint32, struct{}]
}

// Process records sources.
func (c *core) Process(p *maestro.Packet) maestro.Verdict {
	c.flows.Insert(p.SrcIP, struct{}{}, p.Time)
	return maestro.Forward(1 - p.InPort&1)
}

// NF embeds its packet path.
//
//maestro:nf
type NF struct { // want MAE011
	core
	//maestro:state
	flows *maestro.Table[uint32, struct{}]
}

// New returns an NF.
func New(Config) *NF {
	t := maestro.NewTable[uint32, struct{}](64, 0)
	return &NF{core: core{flows: t}, flows: t}
}
