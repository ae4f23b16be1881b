// Package sbridge is a static Ethernet bridge. Its MAC table (MAC address ->
// port) is filled once from the configuration and only read on the packet
// path: a frame goes to the port its destination MAC is bound to, is flooded
// when the destination is unknown or a group (multicast/broadcast) address,
// and is dropped (filtered) when the destination lives on the port the frame
// came in on.
//
// State: one Map keyed by the destination MAC. The packet path never writes
// it, so every core can hold a read-only copy and the bridge runs
// shared-nothing under any RSS configuration.
package sbridge

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nfmaestro/maestro/maestro"
)

// The bridge's ports in the catalog's two-port setting. The bridge itself
// forwards between any number of ports: the table may name any Port.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Entry binds one MAC address to the port where that host lives.
type Entry struct {
	MAC  maestro.MAC  // the host's address
	Port maestro.Port // the port the host is reached through
}

// Config configures an SBridge.
type Config struct {
	// Capacity is the size of the MAC table (default 65536). It is raised to
	// len(Entries) when smaller, so that every entry fits.
	Capacity int
	// Entries is the static MAC table. When a MAC appears more than once the
	// last entry wins.
	Entries []Entry
}

// DefaultConfig returns the catalog defaults: an empty table, so every frame
// is flooded.
func DefaultConfig() Config { return Config{Capacity: 65536} }

// SBridge is the static bridge.
//
//maestro:nf
type SBridge struct {
	//maestro:state
	macs *maestro.Map[maestro.MAC, maestro.Port]
}

// New returns a bridge whose table holds cfg.Entries. Zero fields of cfg take
// their defaults.
func New(cfg Config) *SBridge {
	if cfg.Capacity <= 0 {
		cfg.Capacity = DefaultConfig().Capacity
	}
	cfg.Capacity = max(cfg.Capacity, len(cfg.Entries))
	b := &SBridge{macs: maestro.NewMap[maestro.MAC, maestro.Port](cfg.Capacity)}
	for _, e := range cfg.Entries {
		// Cannot fail: the capacity covers every entry.
		b.macs.Put(e.MAC, e.Port)
	}
	return b
}

// Process forwards one frame by its destination MAC.
func (b *SBridge) Process(p *maestro.Packet) maestro.Verdict {
	if p.Reason == maestro.ReasonTruncatedEth {
		return maestro.Drop // no Ethernet header: nothing to switch on
	}
	// Group addresses are never bound to one port: deliver them everywhere.
	if p.EthDst.IsMulticast() {
		return maestro.Flood
	}
	out, ok := b.macs.Get(p.EthDst)
	if !ok {
		return maestro.Flood
	}
	if out == p.InPort {
		// The destination is on the segment the frame came from: it has
		// already seen the frame, so sending it back would duplicate it.
		return maestro.Drop
	}
	return maestro.Forward(out)
}

// ParseEntries parses a static table written as comma-separated MAC=PORT
// pairs, e.g. "02:00:00:00:00:01=0,02:00:00:00:00:02=1". An empty string is
// an empty table.
func ParseEntries(s string) ([]Entry, error) {
	var out []Entry
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		macText, portText, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("sbridge: entry %q: want MAC=PORT", f)
		}
		mac, err := ParseMAC(macText)
		if err != nil {
			return nil, err
		}
		port, err := strconv.ParseUint(strings.TrimSpace(portText), 10, 16)
		if err != nil {
			return nil, fmt.Errorf("sbridge: entry %q: bad port: %v", f, err)
		}
		out = append(out, Entry{MAC: mac, Port: maestro.Port(port)})
	}
	return out, nil
}

// ParseMAC parses aa:bb:cc:dd:ee:ff (hex digits, colon-separated).
func ParseMAC(s string) (maestro.MAC, error) {
	var m maestro.MAC
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) != len(m) {
		return m, fmt.Errorf("sbridge: bad MAC %q", s)
	}
	for i, part := range parts {
		v, err := strconv.ParseUint(part, 16, 8)
		if err != nil || len(part) != 2 {
			return m, fmt.Errorf("sbridge: bad MAC %q", s)
		}
		m[i] = byte(v)
	}
	return m, nil
}
