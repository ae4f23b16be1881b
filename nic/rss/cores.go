package rss

import (
	"fmt"
	"slices"
)

// ForCores returns copies of cfgs (one per port: key and hash fields) for
// cores queues, all ports sharing one round-robin RETA of retaSize entries,
// prepared for Queue. Generated parallel NFs call it with their solved keys.
//
// Port numbers and Default flags are kept; cfgs must pass CheckConfigs.
func ForCores(cfgs []Config, retaSize, cores int) ([]Config, error) {
	if cores < 1 || cores > retaSize || cores > MaxCores {
		return nil, fmt.Errorf("rss: %d cores: want 1 to %d (the RETA size)", cores, min(retaSize, MaxCores))
	}
	if err := CheckConfigs(cfgs); err != nil {
		return nil, err
	}
	return withRETA(cfgs, RoundRobin(retaSize, cores))
}

// RETAKind says how a RETA spreads its entries over the cores, and so which
// hash bits pick the core.
type RETAKind uint8

const (
	// RETARoundRobin names queue i % cores in entry i: with 2^j cores the
	// queue is the low j hash bits.
	RETARoundRobin RETAKind = iota
	// RETABlocks gives each core a contiguous block of entries, entry i
	// naming queue i*cores/size: with 2^j cores the queue is the high j of
	// the b RETA index bits. Toeplitz hash bit k reads key bits t+31-k, so
	// the high index bits read key bits further from those a constraint
	// pins to zero for the fields that follow the allowed ones in the input
	// (SrcIP/16 ignoring its low half; the addresses of a port that must
	// ignore ports): traffic clustered in the allowed bits then spreads
	// where the low bits cannot see it.
	RETABlocks
)

// String returns "round-robin" or "blocks".
func (k RETAKind) String() string {
	switch k {
	case RETARoundRobin:
		return "round-robin"
	case RETABlocks:
		return "blocks"
	}
	return fmt.Sprintf("RETAKind(%d)", uint8(k))
}

// Table returns the RETA of this kind with size entries over cores queues,
// or nil on the inputs RoundRobin rejects.
func (k RETAKind) Table(size, cores int) []uint16 {
	if k != RETABlocks {
		return RoundRobin(size, cores)
	}
	if size <= 0 || cores <= 0 || cores > MaxCores {
		return nil
	}
	reta := make([]uint16, size)
	for i := range reta {
		reta[i] = uint16(i * cores / size)
	}
	return reta
}

// shift returns the lowest hash bit of the queue with 2^j cores and a RETA
// of 2^b entries of this kind.
func (k RETAKind) shift(b, j int) int {
	if k == RETABlocks {
		return b - j
	}
	return 0
}

// ForCoresKind is ForCores with a RETA of the given kind: generated
// parallel NFs call it with the kind their keys were solved for
// (Solution.RETA).
func ForCoresKind(cfgs []Config, kind RETAKind, retaSize, cores int) ([]Config, error) {
	if cores < 1 || cores > retaSize || cores > MaxCores {
		return nil, fmt.Errorf("rss: %d cores: want 1 to %d (the RETA size)", cores, min(retaSize, MaxCores))
	}
	if err := CheckConfigs(cfgs); err != nil {
		return nil, err
	}
	return withRETA(cfgs, kind.Table(retaSize, cores))
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

// CopyConfigs returns a deep copy of cfgs (keys and RETAs included, Default
// flags kept), so that a caller cannot change the configuration a parallel
// NF reports.
func CopyConfigs(cfgs []Config) []Config {
	out := make([]Config, len(cfgs))
	for i, c := range cfgs {
		c.Key = slices.Clone(c.Key)
		c.RETA = slices.Clone(c.RETA)
		out[i] = c
	}
	return out
}

// MaxPort bounds port numbers in configurations: ports are 16-bit, as in
// DPDK.
const MaxPort = 1<<16 - 1

// CheckConfigs reports whether cfgs can program one NIC: every port number
// in [0, MaxPort] and configured at most once, and at most one
// configuration marked Default (two would leave the ports without one of
// their own ambiguous).
func CheckConfigs(cfgs []Config) error {
	seen := make(map[int]bool, len(cfgs))
	def := -1
	for _, c := range cfgs {
		if c.Port < 0 || c.Port > MaxPort {
			return fmt.Errorf("rss: configuration for invalid port %d", c.Port)
		}
		if seen[c.Port] {
			return fmt.Errorf("rss: two configurations for port %d", c.Port)
		}
		seen[c.Port] = true
		if c.Default {
			if def >= 0 {
				return fmt.Errorf("rss: ports %d and %d are both the default configuration", def, c.Port)
			}
			def = c.Port
		}
	}
	return nil
}

// ConfigIndex returns the index in cfgs of the configuration that applies
// to frames arriving on port: the one whose Port is port, else the one
// marked Default, else -1 (the port is not configured).
func ConfigIndex(cfgs []Config, port int) int {
	def := -1
	for i := range cfgs {
		if cfgs[i].Port == port {
			return i
		}
		if cfgs[i].Default && def < 0 {
			def = i
		}
	}
	return def
}
