// Package statealias is an adversarial NF (issue 11, class 1): the
// constructor puts one table in two //maestro:state fields. LAN packets
// write it through one field keyed by source address, WAN packets read it
// through the other keyed by destination address.
//
// The static plan treats the two fields as two objects (no constraint pairs
// their keys), which the packet path alone cannot contradict. The
// generated constructor checks at build time that written state fields
// hold distinct containers (maestro.CheckDistinct) and refuses to build
// this NF. Expected: {shared-nothing} statically, refused at construction.
package statealias

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures the NF.
type Config struct {
	Timeout time.Duration // entry lifetime without traffic
}

// Gate lets WAN packets in to hosts that sent from the LAN.
//
//maestro:nf
type Gate struct {
	//maestro:state
	out *maestro.Table[uint32, struct{}]
	//maestro:state
	in *maestro.Table[uint32, struct{}]
}

// New returns a Gate whose two views are one table.
func New(cfg Config) *Gate {
	t := maestro.NewTable[uint32, struct{}](4096, int64(cfg.Timeout))
	return &Gate{out: t, in: t}
}

// Process records LAN senders and admits WAN packets to them.
func (g *Gate) Process(p *maestro.Packet) maestro.Verdict {
	g.out.Expire(p.Time)
	g.in.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		g.out.Insert(p.SrcIP, struct{}{}, p.Time)
		return maestro.Forward(WAN)
	}
	if g.in.Has(p.DstIP) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
