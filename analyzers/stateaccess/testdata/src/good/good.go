// Package good is a firewall with helpers, struct keys and masks: the
// analyzer has nothing to say about it.
package good

import "github.com/nfmaestro/maestro/maestro"

const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

type Config struct{ Timeout int64 }

type subnetKey struct {
	Net  uint32
	Port uint16
}

// FW keeps flows and per-/24 counters.
//
//maestro:nf
type FW struct {
	timeout int64 // configuration: only read
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
	//maestro:state
	nets *maestro.Table[subnetKey, int]
	//maestro:state
	static *maestro.Map[maestro.MAC, maestro.Port] // only read: replicated
}

func New(cfg Config) *FW { return &FW{timeout: cfg.Timeout} }

func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if out, ok := f.static.Get(p.EthDst); ok && out == p.InPort {
		return maestro.Drop
	}
	switch p.InPort {
	case LAN:
		f.touch(p.Flow(), p.Time)
		f.count(p.SrcIP&0xffffff00, p.DstPort)
		return maestro.Forward(WAN)
	case WAN:
		if _, ok := f.flows.Find(p.Flow().Reverse()); !ok {
			return maestro.Drop
		}
		f.count(p.DstIP>>8<<8, p.SrcPort)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}

func (f *FW) touch(id maestro.FlowID, now int64) {
	if i, ok := f.flows.Find(id); ok {
		f.flows.Refresh(i, now)
		return
	}
	f.flows.Insert(id, struct{}{}, now)
}

func (f *FW) count(net uint32, port uint16) {
	k := subnetKey{Net: net, Port: port}
	i, ok := f.nets.Find(k)
	if !ok {
		f.nets.Insert(k, 1, 0)
		return
	}
	f.nets.Set(i, f.nets.At(i)+1)
}
