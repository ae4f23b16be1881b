// Package concatkey is an adversarial NF (class 3, key provenance): a
// limiter per pair of hosts whose key packs both addresses in one uint64,
// the way ordinary Go code makes a map key of two fields: uint64(LAN
// host)<<32 | uint64(WAN host), the LAN host being SrcIP on the LAN and
// DstIP on the WAN.
//
// An analysis that calls every OR of two packet fields opaque runs it with
// locks. The two terms hold disjoint value bits, so the key is their
// concatenation: equal keys mean equal terms, each on its own bits, and
// the pairs shard by (SrcIP, DstIP) on the LAN and (DstIP, SrcIP) on the
// WAN. An analysis that paired the terms by field instead of by the bits
// they hold would pair SrcIP with SrcIP across ports and split a pair's
// two directions. Pinned: Expected: {shared-nothing}.
package concatkey

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures the NF.
type Config struct {
	// Timeout is the length of a pair's budget window.
	Timeout time.Duration
	// Limit is how many packets a pair may pass per window, both
	// directions together (default 4).
	Limit uint32
}

// Limiter passes at most Limit packets per pair of hosts per window.
//
//maestro:nf
type Limiter struct {
	//maestro:state
	budget *maestro.Table[uint64, uint32]

	limit uint32
}

// New returns a Limiter with no pairs.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{budget: maestro.NewTable[uint64, uint32](8192, int64(cfg.Timeout)), limit: cfg.Limit}
}

// Process counts the packet against its pair and passes it to the other
// port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() || p.InPort > WAN {
		return maestro.Drop
	}
	key := uint64(p.SrcIP)<<32 | uint64(p.DstIP)
	out := WAN
	if p.InPort == WAN {
		key = uint64(p.DstIP)<<32 | uint64(p.SrcIP)
		out = LAN
	}
	n := uint32(1)
	if i, ok := l.budget.Find(key); ok {
		n = l.budget.At(i) + 1
		l.budget.Set(i, n)
	} else if _, ok := l.budget.Insert(key, 1, p.Time); !ok {
		return maestro.Drop
	}
	if n > l.limit {
		return maestro.Drop
	}
	return maestro.Forward(out)
}
