// Package indexverdict is an adversarial NF (class 10, results that
// depend on other keys' entries): a splitter that remembers each source
// address in a table and sends its packets out, or drops them, by the
// parity of the entry index the table gave the source.
//
// Every access is keyed by p.SrcIP, so an analysis that looks only at
// keys shards on it. But which index an insert takes depends on the
// entries every other source holds: per-core tables hand out their own
// indexes, so a source whose sequential index is even may get an odd one
// on its core. Locks (one table, indexes taken in the serialised order)
// keep the sequential indexes. Expected: {locks}.
package indexverdict

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
	// Timeout is how long a source is remembered without packets.
	Timeout time.Duration
}

// Splitter passes the packets of sources with an even entry index.
//
//maestro:nf
//maestro:ack MAE021 adversarial NF: its verdict depends on an entry index on purpose, and locks is the sound outcome TestAdversarial expects
type Splitter struct {
	//maestro:state
	sources *maestro.Table[uint32, struct{}]
}

// New returns a Splitter that knows no source.
func New(cfg Config) *Splitter {
	return &Splitter{sources: maestro.NewTable[uint32, struct{}](8192, int64(cfg.Timeout))}
}

// Process finds or remembers the packet's source and passes the packet to
// the other port when the source's entry index is even.
func (s *Splitter) Process(p *maestro.Packet) maestro.Verdict {
	s.sources.Expire(p.Time)
	if !p.IsIPv4() || p.InPort > WAN {
		return maestro.Drop
	}
	i, ok := s.sources.Find(p.SrcIP)
	if ok {
		s.sources.Refresh(i, p.Time)
	} else if i, ok = s.sources.Insert(p.SrcIP, struct{}{}, p.Time); !ok {
		return maestro.Drop
	}
	if i%2 == 1 {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	return maestro.Forward(LAN)
}
