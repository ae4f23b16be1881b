// Package xorvsfield is an adversarial NF (issue 11, class 3): one table
// keyed on LAN by SrcIP ^ DstIP and read on WAN by the destination address
// alone.
//
// Equal keys mean a1 ^ a2 == b: nothing the RSS constraints can state about
// the fields one by one (XOR-keyed accesses shard only against XOR-keyed
// accesses). Expected: {locks}.
package xorvsfield

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
	Timeout time.Duration // entry lifetime without traffic
}

// Mixer records LAN host pairs by their XOR and lets WAN packets through
// when their destination equals one recorded XOR.
//
//maestro:nf
//maestro:ack MAE003 adversarial NF: its key has no field RSS can hash on purpose, and locks is the sound outcome TestAdversarial expects
type Mixer struct {
	//maestro:state
	seen *maestro.Table[uint32, struct{}]
}

// New returns an empty Mixer.
func New(cfg Config) *Mixer {
	return &Mixer{seen: maestro.NewTable[uint32, struct{}](4096, int64(cfg.Timeout))}
}

// Process records or checks one packet.
func (m *Mixer) Process(p *maestro.Packet) maestro.Verdict {
	m.seen.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		m.seen.Insert(p.SrcIP^p.DstIP, struct{}{}, p.Time)
		return maestro.Forward(WAN)
	}
	if m.seen.Has(p.DstIP) {
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
