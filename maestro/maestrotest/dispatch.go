package maestrotest

import (
	"slices"
	"sync"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// dispatchCache remembers, for one trace, the core the NIC gives each of
// its frames, per number of cores and RSS configuration: CheckMatrix's
// subtests on a trace dispatch it the same way again and again (a NAT's
// replies excepted: they are readdressed first, so runs with Options.NAT
// do not use the cache).
type dispatchCache struct {
	mu      sync.Mutex
	entries []dispatched
}

// dispatched is one dispatch of the trace.
type dispatched struct {
	cores int
	cfgs  []rss.Config // a copy of the configuration used
	// coreOf is each frame's core; read-only once cached.
	coreOf []int
}

// coresOf returns the core the NIC, programmed with cfgs (prepared as
// disp), gives each frame of trace unchanged, from d when it has them (d
// may be nil). The result must not be modified.
func (d *dispatchCache) coresOf(trace *soft.Trace, disp func(*maestro.Packet) int, cfgs []rss.Config, cores int) []int {
	if d != nil {
		d.mu.Lock()
		for _, e := range d.entries {
			if e.cores == cores && sameConfigs(e.cfgs, cfgs) {
				d.mu.Unlock()
				return e.coreOf
			}
		}
		d.mu.Unlock()
	}
	coreOf := make([]int, len(trace.Frames))
	var p maestro.Packet
	for i := range trace.Frames {
		f := &trace.Frames[i]
		// Parsing and hashing only read the frame.
		p.Reset(f.Data, f.Port, f.Time)
		coreOf[i] = dispatch(disp, &p, cores)
	}
	if d != nil {
		d.mu.Lock()
		d.entries = append(d.entries, dispatched{cores: cores, cfgs: rss.CopyConfigs(cfgs), coreOf: coreOf})
		d.mu.Unlock()
	}
	return coreOf
}

// sameConfigs reports whether a and b program the NIC the same way (the
// fields RSSDispatcher reads).
func sameConfigs(a, b []rss.Config) bool {
	return slices.EqualFunc(a, b, func(x, y rss.Config) bool {
		return x.Port == y.Port && x.Fields == y.Fields && x.Default == y.Default &&
			slices.Equal(x.Key, y.Key) && slices.Equal(x.RETA, y.RETA)
	})
}
