package cbaseline

import (
	"container/list"

	fw "github.com/nfmaestro/maestro/examples/fwbasic"
	"github.com/nfmaestro/maestro/maestro"
)

// IdiomaticFW is the FW as a Go programmer would write it without Maestro's
// containers: a built-in map from 5-tuple to an element of a container/list
// kept in order of last refresh, oldest first. Its verdicts are fw.FW's.
type IdiomaticFW struct {
	flows    map[maestro.FlowID]*list.Element
	lru      *list.List // of *flow, oldest first
	capacity int
	timeout  int64
}

type flow struct {
	id   maestro.FlowID
	time int64
}

// NewIdiomaticFW returns an empty IdiomaticFW holding up to capacity flows
// (as fw.FW, capacity is rounded up to a power of two).
func NewIdiomaticFW(capacity int, timeout int64) *IdiomaticFW {
	c := 1
	for c < capacity {
		c <<= 1
	}
	return &IdiomaticFW{flows: make(map[maestro.FlowID]*list.Element), lru: list.New(), capacity: c, timeout: timeout}
}

// Process filters one packet as fw.FW.Process does.
func (f *IdiomaticFW) Process(p *maestro.Packet) maestro.Verdict {
	if f.timeout > 0 {
		for e := f.lru.Front(); e != nil; e = f.lru.Front() {
			fl := e.Value.(*flow)
			if p.Time-fl.time < f.timeout {
				break
			}
			f.lru.Remove(e)
			delete(f.flows, fl.id)
		}
	}
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == fw.LAN {
		id := p.Flow()
		if e, ok := f.flows[id]; ok {
			e.Value.(*flow).time = p.Time
			f.lru.MoveToBack(e)
			return maestro.Forward(fw.WAN)
		}
		if len(f.flows) >= f.capacity {
			return maestro.Drop
		}
		f.flows[id] = f.lru.PushBack(&flow{id: id, time: p.Time})
		return maestro.Forward(fw.WAN)
	}
	if e, ok := f.flows[p.Flow().Reverse()]; ok {
		e.Value.(*flow).time = p.Time
		f.lru.MoveToBack(e)
		return maestro.Forward(fw.LAN)
	}
	return maestro.Drop
}
