// Package psd is a port-scan detector. It counts, for each WAN source IPv4
// address, the distinct destination ports it sends to within a window; once
// a source has touched more than Limit distinct ports in its window, every
// further packet from it is dropped until the window ends. A source's window
// starts with its first packet and lasts Window; the next packet after that
// starts a fresh window with a zero count. LAN->WAN traffic passes.
//
// State: two Tables, both keyed by the WAN source IP: one holds the
// source's window (start time and distinct-port count), the other one entry
// per (source IP, destination port) remembering the window in which that port
// was last counted. Only WAN packets touch them, so an RSS key that spreads on
// the source address lets the detector run shared-nothing.
package psd

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The detector's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a PSD.
type Config struct {
	// Limit is the number of distinct destination ports a source may touch
	// per window (default 64); the first packet to one more port blocks it.
	Limit int
	// Window is the length of a source's counting window (default 10s).
	Window time.Duration
	// Capacity bounds both the tracked sources and the tracked (source,
	// port) pairs (default 65536). Packets that cannot be accounted for
	// because a table is full are dropped: a detector that cannot count must
	// not let a possible scan through.
	Capacity int
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config { return Config{Limit: 64, Window: 10 * time.Second, Capacity: 65536} }

// source is a WAN source's current window.
type source struct {
	start int64  // when the window began (ns): also its identity
	ports uint32 // distinct ports counted in the window, at most limit+1
}

// portKey identifies one (source, destination port) pair. The blank field
// fills what would be padding, so the key hashes straight from memory.
type portKey struct {
	IP   uint32
	Port uint16
	_    [2]byte
}

// PSD is the port-scan detector.
//
//maestro:nf
type PSD struct {
	//maestro:state
	sources *maestro.Table[uint32, source]
	// Each pair's value is the start of the window it was last counted in;
	// a pair left over from an earlier window counts again.
	//
	//maestro:state
	ports *maestro.Table[portKey, int64]

	limit uint32
}

// New returns a detector that has seen no source. Zero fields of cfg take
// their defaults.
func New(cfg Config) *PSD {
	d := DefaultConfig()
	if cfg.Limit <= 0 {
		cfg.Limit = d.Limit
	}
	if cfg.Window <= 0 {
		cfg.Window = d.Window
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	return &PSD{
		// Sources are never refreshed, so each expires one Window after it
		// started: that is what ends its window.
		sources: maestro.NewTable[uint32, source](cfg.Capacity, int64(cfg.Window)),
		// A pair is refreshed when counted, so it outlives the window it was
		// counted in; its value tells stale pairs apart.
		ports: maestro.NewTable[portKey, int64](cfg.Capacity, int64(cfg.Window)),
		limit: uint32(cfg.Limit),
	}
}

// Process inspects one packet. Non-IPv4 and malformed frames are dropped;
// WAN packets without ports (ICMP, fragments, other protocols) count as
// port 0.
func (d *PSD) Process(p *maestro.Packet) maestro.Verdict {
	d.sources.Expire(p.Time)
	d.ports.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	si, ok := d.sources.Find(p.SrcIP)
	if !ok {
		if si, ok = d.sources.Insert(p.SrcIP, source{start: p.Time}, p.Time); !ok {
			return maestro.Drop // cannot track the source
		}
	}
	src := d.sources.At(si)
	if src.ports > d.limit {
		return maestro.Drop // blocked for the rest of its window
	}
	k := portKey{IP: p.SrcIP, Port: p.DstPort}
	pi, ok := d.ports.Find(k)
	if ok && d.ports.At(pi) == src.start {
		return maestro.Forward(LAN) // port already counted in this window
	}
	// A port new to this window.
	src.ports++
	d.sources.Set(si, src)
	if src.ports > d.limit {
		return maestro.Drop // one port too many: the source is now blocked
	}
	if ok {
		d.ports.Set(pi, src.start)
		d.ports.Refresh(pi, p.Time)
	} else if _, ok := d.ports.Insert(k, src.start, p.Time); !ok {
		// Cannot remember the port, so a repeat would be counted again:
		// undo the count and drop rather than pass uncounted traffic.
		src.ports--
		d.sources.Set(si, src)
		return maestro.Drop
	}
	return maestro.Forward(LAN)
}
