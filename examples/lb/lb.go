// Package lb is a Maglev-style layer-4 load balancer with direct server
// return. Backends announce themselves by sending heartbeats on the LAN port:
// every LAN IPv4 packet is a heartbeat from its source IP (and source MAC)
// and is consumed by the balancer. A backend that sends no heartbeat for
// BackendTimeout is dead. Client flows arrive on the WAN port; each new flow
// (5-tuple) is assigned a live backend through a Maglev consistent-hashing
// table and pinned to it while the flow lives, so a flow never changes
// backend while that backend is alive. When a backend dies only its own flows
// move; when the backend set changes, the Maglev table changes as little as
// consistent hashing allows, so new flows of a surviving backend's share
// mostly keep landing where they did.
//
// Forwarding: a WAN packet leaves on the LAN port with its Ethernet
// destination rewritten to the backend's MAC and its IP header untouched
// (the backend owns the service address too and answers clients directly,
// as in LVS direct routing or Maglev's encapsulation); nothing has to be
// undone on the way back, so replies never cross the balancer.
//
// State: a Table of backends keyed by backend IP (heartbeat source), a Table
// of flows keyed by the WAN 5-tuple holding the pinned backend, the Maglev
// lookup table (a Vector of backend indexes) and the per-backend scratch
// Vector used to rebuild it. Rebuilding reads every backend and choosing a
// backend reads state written by heartbeats from any source, so the
// parallel balancer needs locks.
package lb

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The balancer's ports.
const (
	LAN maestro.Port = 0 // backends: heartbeats in, client traffic out
	WAN maestro.Port = 1 // clients
)

// Config configures an LB.
type Config struct {
	// Backends is the maximum number of backends (default 256). Heartbeats
	// from further backends are ignored until one expires. Maglev spreads
	// best with RingSize at least 100 times this.
	Backends int
	// BackendTimeout is how long a backend lives without a heartbeat
	// (default 1s).
	BackendTimeout time.Duration
	// Capacity is the maximum number of pinned flows (default 65536). When
	// the flow table is full, new flows are still balanced through the
	// Maglev table, only not pinned: they keep their backend unless the
	// backend set changes.
	Capacity int
	// FlowTimeout is how long a flow stays pinned without packets (default
	// 10s).
	FlowTimeout time.Duration
	// RingSize is the size of the Maglev lookup table (default 65537). It
	// must be prime; New rounds it up to the next prime.
	RingSize int
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config {
	return Config{Backends: 256, BackendTimeout: time.Second, Capacity: 65536, FlowTimeout: 10 * time.Second, RingSize: 65537}
}

// assignment is a flow's pinned backend: its index in the backend table and
// its IP, which tells whether the index still holds the same backend.
type assignment struct {
	backend int32
	ip      uint32
}

// permState is one live backend's place in its Maglev permutation while the
// lookup table is rebuilt.
type permState struct {
	backend int32  // index in the backend table
	cur     uint32 // next preferred slot
	skip    uint32 // permutation step, in 1..RingSize-1
}

// LB is the load balancer.
//
//maestro:nf
//maestro:ack MAE003,MAE004,MAE021 Maglev rebuilds its lookup table over every backend when one joins or fails (it learns that one expired from the count Expire returns), and backends are keyed by their index, not by packet fields: it runs with locks by design
type LB struct {
	//maestro:state
	backends *maestro.Table[uint32, maestro.MAC]
	//maestro:state
	flows *maestro.Table[maestro.FlowID, assignment]
	// ring maps a flow hash slot to a backend index, -1 when no backend is
	// alive.
	//
	//maestro:state
	ring *maestro.Vector[int32]
	// perms is scratch for rebuild, one element per live backend.
	//
	//maestro:state
	perms *maestro.Vector[permState]

	ringSize uint32
}

// New returns a balancer with no backend and no flow. Zero fields of cfg take
// their defaults.
func New(cfg Config) *LB {
	d := DefaultConfig()
	if cfg.Backends <= 0 {
		cfg.Backends = d.Backends
	}
	if cfg.BackendTimeout <= 0 {
		cfg.BackendTimeout = d.BackendTimeout
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.FlowTimeout <= 0 {
		cfg.FlowTimeout = d.FlowTimeout
	}
	if cfg.RingSize <= 0 {
		cfg.RingSize = d.RingSize
	}
	m := NextPrime(max(cfg.RingSize, 2))
	lb := &LB{
		backends: maestro.NewTable[uint32, maestro.MAC](cfg.Backends, int64(cfg.BackendTimeout)),
		flows:    maestro.NewTable[maestro.FlowID, assignment](cfg.Capacity, int64(cfg.FlowTimeout)),
		ring:     maestro.NewVector[int32](m),
		ringSize: uint32(m),
	}
	lb.perms = maestro.NewVector[permState](lb.backends.Cap())
	lb.rebuild()
	return lb
}

// Process handles one packet. Non-IPv4 and malformed frames are dropped.
func (lb *LB) Process(p *maestro.Packet) maestro.Verdict {
	lb.flows.Expire(p.Time)
	if lb.backends.Expire(p.Time) > 0 {
		lb.rebuild()
	}
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		lb.heartbeat(p)
		return maestro.Drop // heartbeats are for the balancer only
	}
	return lb.balance(p)
}

// heartbeat records that the backend at p's source is alive.
func (lb *LB) heartbeat(p *maestro.Packet) {
	if i, ok := lb.backends.Find(p.SrcIP); ok {
		if lb.backends.At(i) != p.EthSrc {
			lb.backends.Set(i, p.EthSrc) // the backend's NIC changed
		}
		lb.backends.Refresh(i, p.Time)
		return
	}
	if _, ok := lb.backends.Insert(p.SrcIP, p.EthSrc, p.Time); ok {
		lb.rebuild()
	}
}

// balance forwards a client packet to its flow's backend, choosing and
// pinning one for a new flow or a flow whose backend died.
func (lb *LB) balance(p *maestro.Packet) maestro.Verdict {
	id := p.Flow()
	i, found := lb.flows.Find(id)
	if found {
		a := lb.flows.At(i)
		b := int(a.backend)
		if lb.backends.Valid(b) && lb.backends.Key(b) == a.ip {
			lb.flows.Refresh(i, p.Time)
			return lb.send(p, b)
		}
		// The pinned backend died (its index may since hold another one).
	}
	b := int(lb.ring.At(int(flowHash(id) % uint64(lb.ringSize))))
	if b < 0 {
		return maestro.Drop // no live backend
	}
	a := assignment{backend: int32(b), ip: lb.backends.Key(b)}
	if found {
		lb.flows.Set(i, a)
		lb.flows.Refresh(i, p.Time)
	} else {
		// A full flow table leaves the flow unpinned but still balanced.
		lb.flows.Insert(id, a, p.Time)
	}
	return lb.send(p, b)
}

// send rewrites p's Ethernet destination to backend b's MAC and forwards it.
func (lb *LB) send(p *maestro.Packet, b int) maestro.Verdict {
	p.SetEthDst(lb.backends.At(b))
	return maestro.Forward(LAN)
}

// rebuild refills the Maglev lookup table from the live backends (Maglev,
// NSDI'16, Pseudocode 1): every backend walks its own permutation of the
// slots, offset + k*skip mod RingSize, and the backends take turns claiming
// their next unclaimed preferred slot until every slot is taken. Each backend
// ends up with an almost equal share, and adding or removing one backend
// changes few slots of the others because each keeps its preference order.
//
// It runs only when the backend set changes and visits every backend index:
// a whole-table pass, which is why the balancer is lock-based.
func (lb *LB) rebuild() {
	m := lb.ringSize
	n := 0
	for i := 0; i < lb.backends.Cap(); i++ {
		if !lb.backends.Valid(i) {
			continue
		}
		ip := lb.backends.Key(i)
		lb.perms.Set(n, permState{
			backend: int32(i),
			cur:     uint32(permOffset(ip) % uint64(m)),
			skip:    uint32(permSkip(ip)%uint64(m-1)) + 1,
		})
		n++
	}
	for s := 0; s < int(m); s++ {
		lb.ring.Set(s, -1)
	}
	if n == 0 {
		return
	}
	for filled := uint32(0); ; {
		for j := 0; j < n; j++ {
			ps := lb.perms.At(j)
			c := ps.cur
			for lb.ring.At(int(c)) >= 0 {
				c = (c + ps.skip) % m
			}
			lb.ring.Set(int(c), ps.backend)
			ps.cur = (c + ps.skip) % m
			lb.perms.Set(j, ps)
			filled++
			if filled == m {
				return
			}
		}
	}
}

// A fixed seed keeps flow hashes identical across runs and cores: a replay
// or a parallel balancer must pick the same backends as the sequential one.
const flowSeed = 0x165667b19e3779f9

// mix64 is the splitmix64 finalizer of x+seed: a cheap, well-mixed hash.
func mix64(x, seed uint64) uint64 {
	x += seed
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// flowHash hashes a 5-tuple to pick its Maglev slot.
func flowHash(f maestro.FlowID) uint64 {
	h := mix64(uint64(f.SrcIP())<<32|uint64(f.DstIP()), flowSeed)
	return mix64(h^(uint64(f.SrcPort())<<24|uint64(f.DstPort())<<8|uint64(f.Proto())), flowSeed)
}

// NextPrime returns the smallest prime >= n (n >= 2).
func NextPrime(n int) int {
	for ; ; n++ {
		if isPrime(n) {
			return n
		}
	}
}

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}
