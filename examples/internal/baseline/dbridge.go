package baseline

import (
	"sync/atomic"

	"github.com/nfmaestro/maestro/examples/dbridge"
	"github.com/nfmaestro/maestro/maestro"
)

// macEntry is a learned host: its port and when it was last heard from.
type macEntry struct {
	port atomic.Uint32
	last atomic.Int64
	_    [48]byte
}

// DBridge is examples/dbridge with its MAC table in a concurrent Map: learn
// the source MAC's port, forward by the destination MAC, flood unknown and
// group destinations.
type DBridge struct {
	macs    *Map[maestro.MAC, *macEntry]
	timeout int64
	cores   int
}

// NewDBridge returns a DBridge rewrite of kind k for cores workers. Zero
// fields of cfg take dbridge's defaults; Capacity only sizes the map.
func NewDBridge(k Kind, cfg dbridge.Config, cores int) *DBridge {
	d := dbridge.DefaultConfig()
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	return &DBridge{macs: NewMap[maestro.MAC, *macEntry](k, cfg.Capacity), timeout: int64(cfg.Timeout), cores: max(cores, 1)}
}

// Cores returns the number of workers.
func (b *DBridge) Cores() int { return b.cores }

// ProcessBurst bridges each packet of the burst; any core may call it for
// any packet.
func (b *DBridge) ProcessBurst(_ int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	verdicts = verdicts[:len(pkts)]
	for i := range pkts {
		verdicts[i] = b.Process(&pkts[i])
	}
}

// Process learns the frame's source and forwards it by its destination, as
// dbridge.DBridge.Process does.
func (b *DBridge) Process(p *maestro.Packet) maestro.Verdict {
	if p.Reason == maestro.ReasonTruncatedEth {
		return maestro.Drop
	}
	now := p.Time
	if !p.EthSrc.IsMulticast() {
		e, ok := b.macs.Load(p.EthSrc)
		if !ok {
			n := &macEntry{}
			n.port.Store(uint32(p.InPort))
			n.last.Store(now)
			e, ok = b.macs.LoadOrStore(p.EthSrc, n)
		}
		if ok {
			if e.port.Load() != uint32(p.InPort) {
				e.port.Store(uint32(p.InPort)) // the host moved
			}
			refresh(&e.last, now)
		}
	}
	if p.EthDst.IsMulticast() {
		return maestro.Flood
	}
	e, ok := b.macs.Load(p.EthDst)
	if !ok || !live(e.last.Load(), now, b.timeout) {
		return maestro.Flood
	}
	out := maestro.Port(e.port.Load())
	if out == p.InPort {
		return maestro.Drop
	}
	return maestro.Forward(out)
}
