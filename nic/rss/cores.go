package rss

import (
	"fmt"
	"slices"
)

// ForCores returns copies of cfgs (one per port: key and hash fields) for
// cores queues, all ports sharing one round-robin RETA of retaSize entries,
// prepared for Queue. Generated parallel NFs call it with their solved keys.
func ForCores(cfgs []Config, retaSize, cores int) ([]Config, error) {
	if cores < 1 || cores > retaSize || cores > MaxCores {
		return nil, fmt.Errorf("rss: %d cores: want 1 to %d (the RETA size)", cores, min(retaSize, MaxCores))
	}
	return withRETA(cfgs, RoundRobin(retaSize, cores))
}

// withRETA returns prepared copies of cfgs that all use reta.
func withRETA(cfgs []Config, reta []uint16) ([]Config, error) {
	out := make([]Config, len(cfgs))
	for i, c := range cfgs {
		c.Key = slices.Clone(c.Key)
		c.RETA = slices.Clone(reta)
		if err := c.Prepare(); err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// CopyConfigs returns a deep copy of cfgs (keys and RETAs included), so that
// a caller cannot change the configuration a parallel NF reports.
func CopyConfigs(cfgs []Config) []Config {
	out := make([]Config, len(cfgs))
	for i, c := range cfgs {
		c.Key = slices.Clone(c.Key)
		c.RETA = slices.Clone(c.RETA)
		out[i] = c
	}
	return out
}
