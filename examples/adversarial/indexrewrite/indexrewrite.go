// Package indexrewrite is an adversarial NF (class 10, results that
// depend on other keys' entries): a tagger that writes, into each
// packet's destination port, the index of its source's entry in a table.
//
// Every access is keyed by p.SrcIP, so an analysis that looks only at
// keys shards on it. But per-core tables hand out their own indexes, so
// the bytes of the packet would depend on the core count. Locks keep the
// sequential indexes. Expected: {locks}.
package indexrewrite

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

// Tagger rewrites each TCP or UDP packet's destination port to its
// source's entry index.
//
//maestro:nf
//maestro:ack MAE021 adversarial NF: it writes an entry index into the packet on purpose, and locks is the sound outcome TestAdversarial expects
type Tagger struct {
	//maestro:state
	sources *maestro.Table[uint32, struct{}]
}

// New returns a Tagger that knows no source.
func New(cfg Config) *Tagger {
	return &Tagger{sources: maestro.NewTable[uint32, struct{}](8192, int64(cfg.Timeout))}
}

// Process tags the packet and passes it to the other port.
func (g *Tagger) Process(p *maestro.Packet) maestro.Verdict {
	g.sources.Expire(p.Time)
	if !p.IsIPv4() || !p.HasPorts() || p.InPort > WAN {
		return maestro.Drop
	}
	i, ok := g.sources.Find(p.SrcIP)
	if ok {
		g.sources.Refresh(i, p.Time)
	} else if i, ok = g.sources.Insert(p.SrcIP, struct{}{}, p.Time); !ok {
		return maestro.Drop
	}
	p.SetDstPort(uint16(i))
	if p.InPort == LAN {
		return maestro.Forward(WAN)
	}
	return maestro.Forward(LAN)
}
