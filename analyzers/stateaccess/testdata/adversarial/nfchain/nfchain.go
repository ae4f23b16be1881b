// Package nfchain is an adversarial NF (issue 11, class 1): a TTL filter
// chained in front of the catalog firewall, composed the way Go code
// composes: the chain holds a *fw.FW in an unmarked field and calls its
// Process. The chain's own struct holds no container.
//
// The firewall's flow table is reached through an unmarked field and used
// by code in another package: an analysis that only looks at the chain's
// fields and package plans a stateless NF, and every core would run its
// own, untied, firewall. A container reached other than through a
// //maestro:state field is MAE014 (MAE006 or MAE013 if the analysis
// refuses the call into another package with NF memory). Expected:
// {refused:MAE014, refused:MAE006, refused:MAE013}.
package nfchain

import (
	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
)

// Chain drops packets whose TTL is about to expire, then firewalls the
// rest.
//
//maestro:nf
type Chain struct {
	fw *fw.FW
}

// New returns a Chain around a catalog firewall.
func New(cfg fw.Config) *Chain { return &Chain{fw: fw.New(cfg)} }

// Process filters one packet.
func (c *Chain) Process(p *maestro.Packet) maestro.Verdict {
	if p.IsIPv4() && p.TTL <= 1 {
		return maestro.Drop
	}
	return c.fw.Process(p) // want MAE014|MAE006|MAE013
}
