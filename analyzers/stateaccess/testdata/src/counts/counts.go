// Package counts holds NFs whose container results count other keys'
// entries (MAE021), and the //maestro:state options.
package counts

import "github.com/nfmaestro/maestro/maestro"

type Config struct{}

// ExpireCount reads the count Expire returns: locks.
//
//maestro:nf
type ExpireCount struct {
	//maestro:state
	hosts *maestro.Table[uint32, struct{}]
}

func New(Config) *ExpireCount { return &ExpireCount{} }

func (e *ExpireCount) Process(p *maestro.Packet) maestro.Verdict {
	if e.hosts.Expire(p.Time) > 0 { // want `MAE021: note: the count hosts.Expire returns covers every key's entries`
		return maestro.Drop
	}
	if _, ok := e.hosts.Find(p.SrcIP); !ok {
		e.hosts.Insert(p.SrcIP, struct{}{}, p.Time)
	}
	return maestro.Forward(1)
}

// ExpireIgnored drops the count (assigned to _): shared-nothing.
//
//maestro:nf NewExpireIgnored
type ExpireIgnored struct {
	//maestro:state
	hosts *maestro.Table[uint32, struct{}]
}

func NewExpireIgnored(Config) *ExpireIgnored { return &ExpireIgnored{} }

func (e *ExpireIgnored) Process(p *maestro.Packet) maestro.Verdict {
	_ = e.hosts.Expire(p.Time)
	if _, ok := e.hosts.Find(p.SrcIP); !ok {
		e.hosts.Insert(p.SrcIP, struct{}{}, p.Time)
	}
	return maestro.Forward(1)
}

// Estimates reads a sketch's estimate, keyed by a packet field: locks.
//
//maestro:nf NewEstimates
type Estimates struct {
	//maestro:state
	cm *maestro.CountMin[uint32]
}

func NewEstimates(Config) *Estimates { return &Estimates{} }

func (e *Estimates) Process(p *maestro.Packet) maestro.Verdict {
	e.cm.Add(p.SrcIP, 1, p.Time)
	if e.cm.Estimate(p.SrcIP, p.Time) > 4 { // want `MAE021: note: the estimate cm.Estimate returns adds the counts of every key sharing its counters`
		return maestro.Drop
	}
	return maestro.Forward(1)
}

// AddResult reads the estimate Add returns: locks.
//
//maestro:nf NewAddResult
type AddResult struct {
	//maestro:state
	cm *maestro.CountMin[uint32]
}

func NewAddResult(Config) *AddResult { return &AddResult{} }

func (a *AddResult) Process(p *maestro.Packet) maestro.Verdict {
	if a.cm.Add(p.SrcIP, 1, p.Time) > 4 { // want `MAE021: note: the estimate cm.Add returns`
		return maestro.Drop
	}
	return maestro.Forward(1)
}

// PerCore accepts per-core estimates: shared-nothing.
//
//maestro:nf NewPerCore
type PerCore struct {
	//maestro:state per-core-estimates
	cm *maestro.CountMin[uint32]
}

func NewPerCore(Config) *PerCore { return &PerCore{} }

func (c *PerCore) Process(p *maestro.Packet) maestro.Verdict {
	if c.cm.Add(p.SrcIP, 1, p.Time) > 4 {
		return maestro.Drop
	}
	return maestro.Forward(1)
}

// BadOptions misuses the option.
//
//maestro:nf NewBadOptions
type BadOptions struct {
	//maestro:state per-core-estimates
	t *maestro.Table[uint32, struct{}] // want `MAE010: //maestro:state per-core-estimates applies to a \*maestro.CountMin, and field t is a`
	//maestro:state per-core
	cm *maestro.CountMin[uint32] // want `MAE010: //maestro:state field cm has an unknown option "per-core"`
}

func NewBadOptions(Config) *BadOptions { return &BadOptions{} }

func (b *BadOptions) Process(p *maestro.Packet) maestro.Verdict {
	return maestro.Forward(1)
}

// IndexVerdict lets an entry index decide the verdict: locks.
//
//maestro:nf NewIndexVerdict
type IndexVerdict struct {
	//maestro:state
	t *maestro.Table[uint32, struct{}]
}

func NewIndexVerdict(Config) *IndexVerdict { return &IndexVerdict{} }

func (x *IndexVerdict) Process(p *maestro.Packet) maestro.Verdict {
	i, ok := x.t.Find(p.SrcIP) // want `MAE021: note: the index t.Find returns reaches the verdict`
	if !ok {
		x.t.Insert(p.SrcIP, struct{}{}, p.Time)
	}
	return maestro.Forward(maestro.Port(i))
}

// IndexHelper gets the index through a helper and tests it against a
// sentinel (allowed) and a valid index (observed): locks.
//
//maestro:nf NewIndexHelper
type IndexHelper struct {
	//maestro:state
	t *maestro.Table[uint32, struct{}]
}

func NewIndexHelper(Config) *IndexHelper { return &IndexHelper{} }

func (x *IndexHelper) find(k uint32) int {
	if i, ok := x.t.Find(k); ok { // want `MAE021: note: the index t.Find returns reaches a branch`
		return i
	}
	return -1
}

func (x *IndexHelper) Process(p *maestro.Packet) maestro.Verdict {
	i := x.find(p.SrcIP)
	if i < 0 {
		x.t.Insert(p.SrcIP, struct{}{}, p.Time)
		return maestro.Forward(1)
	}
	if i == 3 {
		return maestro.Drop
	}
	return maestro.Forward(1)
}

// IndexAddresses uses indexes only to address containers and checks a
// sentinel: shared-nothing.
//
//maestro:nf NewIndexAddresses
type IndexAddresses struct {
	//maestro:state
	t *maestro.Table[uint32, uint32]
	//maestro:state
	v *maestro.Vector[uint32]
}

func NewIndexAddresses(Config) *IndexAddresses { return &IndexAddresses{} }

func (x *IndexAddresses) Process(p *maestro.Packet) maestro.Verdict {
	i := -1
	if j, ok := x.t.Find(p.SrcIP); ok {
		i = j
	} else if j, ok := x.t.Insert(p.SrcIP, 0, p.Time); ok {
		i = j
	}
	if i < 0 {
		return maestro.Drop
	}
	n := x.v.At(i) + 1
	x.v.Set(i, n)
	x.t.Set(i, n)
	if n > 3 {
		return maestro.Drop
	}
	return maestro.Forward(1)
}

// IndexClosure lets the index out through a closure that captures it:
// locks.
//
//maestro:nf NewIndexClosure
type IndexClosure struct {
	//maestro:state
	t *maestro.Table[uint32, struct{}]
}

func NewIndexClosure(Config) *IndexClosure { return &IndexClosure{} }

func (x *IndexClosure) Process(p *maestro.Packet) maestro.Verdict {
	i, ok := x.t.Find(p.SrcIP) // want `MAE021: note: the index t.Find returns reaches`
	if !ok {
		i, _ = x.t.Insert(p.SrcIP, struct{}{}, p.Time)
	}
	out := func() maestro.Port { return maestro.Port(i % 2) }
	return maestro.Forward(out())
}
