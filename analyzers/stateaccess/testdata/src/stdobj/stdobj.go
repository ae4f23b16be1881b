// Package stdobj holds NFs that hash with hash/fnv: a hash object made
// per packet is memory of the packet; one kept in the NF is shared.
package stdobj

import (
	"hash"
	"hash/fnv"

	"github.com/nfmaestro/maestro/maestro"
)

type Config struct{}

// PerPacket makes its hash object per packet: shared-nothing.
//
//maestro:nf
type PerPacket struct {
	//maestro:state
	t *maestro.Table[uint32, uint32]
}

func New(Config) *PerPacket { return &PerPacket{} }

func (x *PerPacket) Process(p *maestro.Packet) maestro.Verdict {
	h := fnv.New32a()
	b := [4]byte{byte(p.SrcIP >> 24), byte(p.SrcIP >> 16), byte(p.SrcIP >> 8), byte(p.SrcIP)}
	h.Write(b[:])
	if _, ok := x.t.Find(p.SrcIP); !ok {
		x.t.Insert(p.SrcIP, h.Sum32(), p.Time)
	}
	return maestro.Forward(1)
}

// Kept keeps one hash object in the NF and writes it on every packet.
//
//maestro:nf NewKept
type Kept struct {
	//maestro:state
	t *maestro.Table[uint32, uint32]
	h hash.Hash32
}

func NewKept(Config) *Kept { return &Kept{h: fnv.New32a()} }

func (x *Kept) Process(p *maestro.Packet) maestro.Verdict {
	x.h.Reset() // want `MAE013: the call of interface method Reset may write memory reached through field h of Kept`
	b := [4]byte{byte(p.SrcIP >> 24), byte(p.SrcIP >> 16), byte(p.SrcIP >> 8), byte(p.SrcIP)}
	x.h.Write(b[:]) // want `MAE013: the call of interface method Write`
	if _, ok := x.t.Find(p.SrcIP); !ok {
		x.t.Insert(p.SrcIP, x.h.Sum32(), p.Time) // want `MAE013: the call of interface method Sum32`
	}
	return maestro.Forward(1)
}
