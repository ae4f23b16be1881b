// Package nestedptr is an adversarial NF (issue 11, class 2): configuration held by
// pointer, f.cfg *Config, with a statistics block inside it that the packet
// path updates: f.cfg.Stats.Drops++.
//
// No NF field is assigned: the store goes through a pointer read from a
// configuration field, to memory every core shares. A store through a
// pointer read from configuration is MAE013 (or MAE001). Expected:
// {refused:MAE013, refused:MAE001}.
package nestedptr

import "github.com/nfmaestro/maestro/maestro"

// Stats are the filter's counters.
type Stats struct {
	Drops uint64
}

// Config configures the Filter; it also carries the counters.
type Config struct {
	MinTTL uint8
	Stats  Stats
}

// Filter drops packets whose TTL is below MinTTL and counts them.
//
//maestro:nf
type Filter struct {
	cfg *Config
}

// New returns a Filter.
func New(cfg *Config) *Filter { return &Filter{cfg: cfg} }

// Process filters one packet.
func (f *Filter) Process(p *maestro.Packet) maestro.Verdict {
	if p.TTL < f.cfg.MinTTL {
		f.cfg.Stats.Drops++ // want MAE013|MAE001
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}
