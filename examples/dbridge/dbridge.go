// Package dbridge is a learning Ethernet bridge. Every frame teaches it
// where its source MAC lives (source MAC -> input port, refreshed on each
// frame and updated when a host moves to another port); frames are forwarded
// to the port their destination MAC was learned on, flooded when the
// destination is unknown or a group address, and dropped when the
// destination lives on the input port. Learned entries expire after a
// timeout without frames from that host.
//
// State: one Table keyed by MAC address, written with the source MAC and read
// with the destination MAC. RSS cannot hash MAC addresses, so a frame and the
// frames that taught the bridge its destination may land on any core: the
// parallel bridge needs locks (the lookup path only reads and refreshes).
package dbridge

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The bridge's ports in the catalog's two-port setting. The bridge itself
// learns and forwards on any Port.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a DBridge.
type Config struct {
	// Capacity is the maximum number of learned MACs (default 65536). When
	// the table is full, new hosts are not learned (frames to them are
	// flooded) until old entries expire.
	Capacity int
	// Timeout is how long a MAC stays learned without frames from it
	// (default 300s, the usual bridge ageing time).
	Timeout time.Duration
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config { return Config{Capacity: 65536, Timeout: 300 * time.Second} }

// DBridge is the learning bridge.
//
//maestro:nf
//maestro:ack MAE003 a learning bridge keys its table by MAC address, which RSS cannot hash: it runs with locks by design
type DBridge struct {
	//maestro:state
	macs *maestro.Table[maestro.MAC, maestro.Port]
}

// New returns a bridge that has learned nothing. Zero fields of cfg take
// their defaults.
func New(cfg Config) *DBridge {
	d := DefaultConfig()
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	return &DBridge{macs: maestro.NewTable[maestro.MAC, maestro.Port](cfg.Capacity, int64(cfg.Timeout))}
}

// Process learns the frame's source and forwards it by its destination.
func (b *DBridge) Process(p *maestro.Packet) maestro.Verdict {
	b.macs.Expire(p.Time)
	if p.Reason == maestro.ReasonTruncatedEth {
		return maestro.Drop // no Ethernet header: nothing to learn or switch on
	}
	b.learn(p)
	// Group addresses are never bound to one port: deliver them everywhere.
	if p.EthDst.IsMulticast() {
		return maestro.Flood
	}
	i, ok := b.macs.Find(p.EthDst)
	if !ok {
		return maestro.Flood
	}
	out := b.macs.At(i)
	if out == p.InPort {
		// The destination is on the segment the frame came from: it has
		// already seen the frame.
		return maestro.Drop
	}
	return maestro.Forward(out)
}

// learn records that p's source MAC lives behind p's input port.
func (b *DBridge) learn(p *maestro.Packet) {
	// A group address as a source is invalid (802.1D): learning it would
	// turn a broadcast into a unicast to one port.
	if p.EthSrc.IsMulticast() {
		return
	}
	if i, ok := b.macs.Find(p.EthSrc); ok {
		if b.macs.At(i) != p.InPort {
			b.macs.Set(i, p.InPort) // the host moved
		}
		b.macs.Refresh(i, p.Time)
		return
	}
	// A full table cannot learn the host; frames to it keep being flooded,
	// which is still correct, only less efficient.
	b.macs.Insert(p.EthSrc, p.InPort, p.Time)
}
