// Package bad collects what the packet path must not do.
package bad

import (
	"fmt"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"helper"
)

const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

var packets int

type Config struct{}

//maestro:nf
type Bad struct {
	hits    int
	lanPort maestro.Port
	seen    map[uint32]bool
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}] // want `MAE018: //maestro:state field flows has no access on the packet path`
	//maestro:state
	macs *maestro.Table[maestro.MAC, maestro.Port]
	//maestro:state
	byHash *maestro.Table[uint32, int]
	//maestro:state
	ring *maestro.Vector[int]
	//maestro:state
	counts map[uint32]int // want `MAE010: //maestro:state field counts has type map\[uint32\]int`
	//maestro:state
	log *maestro.Map[int, int]
}

func New(Config) *Bad { return &Bad{} }

func (b *Bad) Process(p *maestro.Packet) maestro.Verdict {
	b.hits++                   // want `MAE001: assignment writes field hits of Bad on the packet path`
	b.seen[p.SrcIP] = true     // want `MAE001: map update writes field seen of Bad`
	packets++                  // want `MAE008: assignment writes package-level variable packets`
	_ = time.Now()             // want `MAE005: time.Now on the packet path`
	go func() {}()             // want `MAE007: go statement on the packet path`
	if p.InPort == b.lanPort { // want `MAE009: p.InPort is compared with configuration b.lanPort`
		return maestro.Drop
	}
	helper.Touch(b.flows) // want `MAE006: state field flows is passed to helper.Touch, outside the NF's package`
	fmt.Println(b.flows)  // want `MAE006: state field flows is converted to an interface`
	if p.InPort == LAN {
		b.macs.Insert(p.EthSrc, p.InPort, p.Time) // want `MAE003: note: the key of macs.Insert \(packet EthSrc\) has no component RSS can hash`
		b.byHash.Insert(p.SrcIP%1021, 0, p.Time)  // want `MAE002: the key of byHash.Insert comes from opaque data`
		for i := 0; i < b.ring.Len(); i++ {
			b.ring.Set(i, 0) // want `MAE004: ring.Set iterates over the whole container`
		}
		b.log.Put(1, 1) // want `MAE003: note: the key of log.Put \(constant 1\)`
	}
	return maestro.Forward(WAN)
}
