// Package stdhash is a negative control of the adversarial suite: a load
// balancer that pins each WAN flow to a backend chosen, on the flow's
// first packet, by an FNV-1a hash of its source address, computed with
// hash/fnv the way ordinary Go code does (h := fnv.New32a(); h.Write(b);
// h.Sum32()).
//
// The hash object is new on every packet and its methods write only it:
// memory of the packet, not state. An analysis that took the result of
// any function outside the package for shared memory refuses the NF (a
// dynamic call writing through it); the pinning table is keyed by the
// 5-tuple, so the NF shards. Pinned: Expected: {shared-nothing}.
package stdhash

import (
	"hash/fnv"
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	Backends maestro.Port = 0
	Clients  maestro.Port = 1
)

// Config configures the NF.
type Config struct {
	// Timeout is how long a flow stays pinned without packets.
	Timeout time.Duration
	// Backends are the backends' addresses (default three in 10.0.0.0/24).
	Backends []uint32
}

// LB rewrites each client packet's destination to its flow's backend.
//
//maestro:nf
type LB struct {
	//maestro:state
	pinned *maestro.Table[maestro.FlowID, uint32]

	backends []uint32
}

// New returns an LB with no pinned flows.
func New(cfg Config) *LB {
	if len(cfg.Backends) == 0 {
		cfg.Backends = []uint32{0x0a000001, 0x0a000002, 0x0a000003}
	}
	return &LB{pinned: maestro.NewTable[maestro.FlowID, uint32](8192, int64(cfg.Timeout)), backends: cfg.Backends}
}

// Process sends a client packet to its flow's backend; other packets are
// dropped.
func (l *LB) Process(p *maestro.Packet) maestro.Verdict {
	l.pinned.Expire(p.Time)
	if !p.IsIPv4() || p.InPort != Clients {
		return maestro.Drop
	}
	id := p.Flow()
	var b uint32
	if i, ok := l.pinned.Find(id); ok {
		b = l.pinned.At(i)
		l.pinned.Refresh(i, p.Time)
	} else {
		b = l.backends[sourceHash(p.SrcIP)%uint32(len(l.backends))]
		if _, ok := l.pinned.Insert(id, b, p.Time); !ok {
			return maestro.Drop
		}
	}
	p.SetDstIP(b)
	return maestro.Forward(Backends)
}

// sourceHash is the FNV-1a hash of an address's four bytes.
func sourceHash(ip uint32) uint32 {
	h := fnv.New32a()
	b := [4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}
	h.Write(b[:])
	return h.Sum32()
}
