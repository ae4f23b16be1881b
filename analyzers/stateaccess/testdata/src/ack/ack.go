// Package ack exercises //maestro:ack: acknowledged scaling findings are
// not reported, unacknowledged and blocking ones are, and acknowledgements
// that cover nothing are MAE020.
package ack

import "github.com/nfmaestro/maestro/maestro"

const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

type Config struct{}

// Bridge acknowledges its MAC keys for the whole NF; its MAE004 is
// acknowledged by effect; MAE009 is not acknowledged by anything.
//
//maestro:nf
//maestro:ack MAE003 keyed by MAC address on purpose
//maestro:ack warning,locks the rest is legal too
//maestro:ack MAE017 nothing expires here // want `MAE020: //maestro:ack MAE017 matches no finding of Bridge: remove the stale acknowledgement`
type Bridge struct {
	//maestro:state
	macs *maestro.Table[maestro.MAC, maestro.Port]
	//maestro:state
	unused *maestro.Table[uint32, int]
	//maestro:state
	ring *maestro.Vector[int]
	hits int
}

func New(Config) *Bridge { return &Bridge{} }

func (b *Bridge) Process(p *maestro.Packet) maestro.Verdict {
	b.macs.Insert(p.EthSrc, p.InPort, p.Time)
	for i := 0; i < b.ring.Len(); i++ {
		b.ring.Set(i, 0)
	}
	b.hits++ //maestro:ack MAE001 a counter // want `MAE020: //maestro:ack MAE001: blocking findings cannot be acknowledged` `MAE001: assignment writes field hits of Bridge`
	return maestro.Drop
}

// Lines acknowledges at the line, trailing or above.
//
//maestro:nf NewLines
type Lines struct {
	//maestro:state
	byHash *maestro.Table[uint32, int]
	//maestro:state
	macs *maestro.Table[maestro.MAC, int]
	//maestro:state
	other *maestro.Table[maestro.MAC, int]
}

func NewLines(Config) *Lines { return &Lines{} }

func (l *Lines) Process(p *maestro.Packet) maestro.Verdict {
	l.byHash.Insert(p.SrcIP%1021, 0, p.Time) //maestro:ack MAE002 hashed on purpose
	l.byHash.Insert(p.DstIP%7, 0, p.Time)    // want `MAE002: the key of byHash.Insert comes from opaque data`
	// The next line's key is a MAC, and that is fine.
	//maestro:ack MAE003 a MAC key
	l.macs.Insert(p.EthSrc, 0, p.Time)
	l.other.Insert(p.EthDst, 0, p.Time) // want `MAE003: note: the key of other.Insert \(packet EthDst\) has no component RSS can hash`
	//maestro:ack MAE002 nothing opaque below // want `MAE020: //maestro:ack MAE002 matches no finding on its line or the line below`
	l.other.Insert(p.EthSrc, 1, p.Time) //maestro:ack MAE003 // want `MAE020: //maestro:ack needs the codes it acknowledges and a reason` `MAE003: note: the key of other.Insert \(packet EthSrc\)`
	_ = 0                               //maestro:ack MAE999 what // want `MAE020: //maestro:ack MAE999: not a code that can be acknowledged`
	return maestro.Drop
}
