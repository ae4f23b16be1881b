// Package headers holds NFs that do and do not read parsed header fields
// (Plan.ReadsNoHeaders): the name of each says which.
package headers

import (
	"unsafe"

	"github.com/nfmaestro/maestro/maestro"
)

type Config struct{}

//maestro:nf NewRawPort
type RawPort struct{}

func NewRawPort(Config) *RawPort { return &RawPort{} }

func (n *RawPort) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == 0 {
		return maestro.Forward(1)
	}
	return maestro.Forward(0)
}

//maestro:nf NewRawAll
type RawAll struct{}

func NewRawAll(Config) *RawAll { return &RawAll{} }

// Process reads the frame's bytes, its length, port and time, writes a
// byte, and shadows p in a closure: none of it needs the parse.
func (n *RawAll) Process(p *maestro.Packet) maestro.Verdict {
	if p.Len() < 14 || p.Time < 0 {
		return maestro.Drop
	}
	p.Data[0] ^= 1
	f := func(p int) int { return p + 1 }
	return maestro.Forward(maestro.Port(f(int(p.InPort)) % 2))
}

//maestro:nf NewRawUnnamed
type RawUnnamed struct{}

func NewRawUnnamed(Config) *RawUnnamed { return &RawUnnamed{} }

func (n *RawUnnamed) Process(*maestro.Packet) maestro.Verdict { return maestro.Drop }

//maestro:nf NewReadsField
type ReadsField struct{}

func NewReadsField(Config) *ReadsField { return &ReadsField{} }

func (n *ReadsField) Process(p *maestro.Packet) maestro.Verdict {
	if p.InPort == 0 && p.DstPort == 53 {
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort)
}

//maestro:nf NewReadsHelper
type ReadsHelper struct{}

func NewReadsHelper(Config) *ReadsHelper { return &ReadsHelper{} }

func (n *ReadsHelper) Process(p *maestro.Packet) maestro.Verdict {
	return n.out(p)
}

func (n *ReadsHelper) out(p *maestro.Packet) maestro.Verdict { return maestro.Forward(1 - p.InPort) }

//maestro:nf NewReadsClosure
type ReadsClosure struct{}

func NewReadsClosure(Config) *ReadsClosure { return &ReadsClosure{} }

func (n *ReadsClosure) Process(p *maestro.Packet) maestro.Verdict {
	src := func() uint32 { return p.SrcIP }
	if src() == 0 {
		return maestro.Drop
	}
	return maestro.Forward(1)
}

//maestro:nf NewReadsAddr
type ReadsAddr struct{}

func NewReadsAddr(Config) *ReadsAddr { return &ReadsAddr{} }

// Process reaches SrcIP from the address of InPort.
func (n *ReadsAddr) Process(p *maestro.Packet) maestro.Verdict {
	in := &p.InPort
	if *(*uint32)(unsafe.Add(unsafe.Pointer(in), 40)) == 0 {
		return maestro.Drop
	}
	return maestro.Forward(1)
}

//maestro:nf NewReadsCopy
type ReadsCopy struct{}

func NewReadsCopy(Config) *ReadsCopy { return &ReadsCopy{} }

// Process copies the packet, then reads the copy's header.
func (n *ReadsCopy) Process(p *maestro.Packet) maestro.Verdict {
	q := *p
	if q.Proto == 6 {
		return maestro.Drop
	}
	return maestro.Forward(1)
}

//maestro:nf NewReadsSetter
type ReadsSetter struct{}

func NewReadsSetter(Config) *ReadsSetter { return &ReadsSetter{} }

// Process rewrites a header through a setter: backends that skip the
// parse also skip clearing the header fields, so a write counts too.
func (n *ReadsSetter) Process(p *maestro.Packet) maestro.Verdict {
	p.SetSrcIP(1)
	return maestro.Forward(1)
}

//maestro:nf NewReadsAssign
type ReadsAssign struct{}

func NewReadsAssign(Config) *ReadsAssign { return &ReadsAssign{} }

// Process assigns a parsed field directly.
func (n *ReadsAssign) Process(p *maestro.Packet) maestro.Verdict {
	p.DstPort = 7
	return maestro.Forward(1)
}

//maestro:nf NewReadsAlias
type ReadsAlias struct{}

func NewReadsAlias(Config) *ReadsAlias { return &ReadsAlias{} }

// Process reads a header through another name for the packet.
func (n *ReadsAlias) Process(p *maestro.Packet) maestro.Verdict {
	q := p
	if q.InPort == 0 && q.SrcPort == 53 {
		return maestro.Drop
	}
	return maestro.Forward(1)
}
