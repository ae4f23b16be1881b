// Package arraykey24 is an adversarial NF (issue 11, class 3): a limiter
// keyed by a [4]byte array filled with binary.BigEndian.PutUint32(k[:],
// p.SrcIP) and then k[3] = 0: the client's /24 built through a slice of a
// local array and an element store.
//
// An analysis that follows the array as "SrcIP" without the element store
// shards on the whole address, and clients of one /24 reach different
// cores. Sharding on SrcIP/24 is sound, and so are locks. Expected:
// {shared-nothing, locks}.
package arraykey24

import (
	"encoding/binary"
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
	// Timeout is the length of a key's budget window.
	Timeout time.Duration
	// Limit is how many packets a key may send per window (default 4).
	Limit uint32
}

// Limiter passes at most Limit packets per key per window: a key's window
// opens with its first packet and lasts Timeout.
//
//maestro:nf
//maestro:ack MAE002 adversarial NF: its key hides the packet fields on purpose, and locks is the sound outcome TestAdversarial expects
type Limiter struct {
	//maestro:state
	budget *maestro.Table[[4]byte, uint32]

	limit uint32
}

// New returns a Limiter with no keys.
func New(cfg Config) *Limiter {
	if cfg.Limit == 0 {
		cfg.Limit = 4
	}
	return &Limiter{
		budget: maestro.NewTable[[4]byte, uint32](8192, int64(cfg.Timeout)),
		limit:  cfg.Limit,
	}
}

// Process counts the packet against its key's budget and passes it to the
// other port while the budget lasts.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	l.budget.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	var k [4]byte
	binary.BigEndian.PutUint32(k[:], p.SrcIP)
	k[3] = 0 // per /24
	n := uint32(1)
	if i, ok := l.budget.Find(k); ok {
		n = l.budget.At(i) + 1
		l.budget.Set(i, n)
	} else if _, ok := l.budget.Insert(k, n, p.Time); !ok {
		return maestro.Drop
	}
	if n > l.limit {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	return maestro.Forward(LAN)
}
