package baseline

import (
	"sync/atomic"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
)

// FW is the paper's firewall (examples/fwbasic; examples/fw matches it on
// the TCP and UDP traffic the benchmarks send) with its flow table in a
// concurrent Map: LAN packets create or refresh their 5-tuple, WAN packets
// pass if the reversed 5-tuple is live.
type FW struct {
	flows   *Map[maestro.FlowID, *stamp]
	timeout int64
	cores   int
}

// NewFW returns a FW rewrite of kind k for cores workers; cfg's Capacity
// only sizes the map, its Timeout expires flows (zero fields take fw's
// defaults).
func NewFW(k Kind, cfg fw.Config, cores int) *FW {
	d := fw.DefaultConfig()
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	return &FW{flows: NewMap[maestro.FlowID, *stamp](k, cfg.Capacity), timeout: int64(cfg.Timeout), cores: max(cores, 1)}
}

// Cores returns the number of workers.
func (f *FW) Cores() int { return f.cores }

// ProcessBurst filters each packet of the burst; any core may call it for
// any packet.
func (f *FW) ProcessBurst(_ int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	verdicts = verdicts[:len(pkts)]
	for i := range pkts {
		verdicts[i] = f.Process(&pkts[i])
	}
}

// Process filters one packet, as fw.FW.Process does.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	if !p.IsIPv4() {
		return maestro.Drop
	}
	now := p.Time
	if p.InPort == fw.LAN {
		id := p.Flow()
		s, ok := f.flows.Load(id)
		if !ok {
			n := &stamp{}
			n.t.Store(now)
			if s, ok = f.flows.LoadOrStore(id, n); !ok {
				return maestro.Forward(fw.WAN)
			}
		}
		// An expired flow is simply revived: the same verdict as deleting
		// and re-inserting it.
		refresh(&s.t, now)
		return maestro.Forward(fw.WAN)
	}
	s, ok := f.flows.Load(p.Flow().Reverse())
	if !ok || !live(s.t.Load(), now, f.timeout) {
		return maestro.Drop
	}
	refresh(&s.t, now)
	return maestro.Forward(fw.LAN)
}

// refresh moves a timestamp forward. Skipping the store when it would not
// change anything keeps a flow's cache line shared between cores instead of
// bouncing it on every packet.
func refresh(t *atomic.Int64, now int64) {
	if t.Load() < now {
		t.Store(now)
	}
}
