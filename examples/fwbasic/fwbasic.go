// Package fwbasic is the Maestro paper's stateful firewall: a bare 5-tuple
// match. LAN packets create or refresh the state of their 5-tuple flow and
// pass to the WAN; WAN packets pass to the LAN only if the reversed 5-tuple
// is a live flow. Flows expire after a timeout without LAN or WAN traffic. A
// full flow table drops new LAN flows and keeps the existing ones.
//
// State: one Table keyed by the 5-tuple as seen from the LAN (src, dst,
// sport, dport, proto), looked up with the reversed tuple on the WAN side.
// Because the WAN key is the LAN key with addresses and ports swapped, an RSS
// key that hashes a packet and its reply to the same queue lets the FW run
// shared-nothing, sharded by the 4-tuple.
//
// Packets without ports (ICMP, fragments, other protocols) match with ports
// 0. So once a LAN host has sent any ICMP message to a server, every ICMP
// message from that server passes (echo requests, redirects); a non-first
// fragment passes when its addresses and protocol have a port-0 flow, and a
// first fragment is matched with ports 0. Package examples/fw is the strict
// firewall that fixes these (the catalog's "fw"); this one is the paper's
// reference ("fw-basic").
package fwbasic

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The FW's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a FW.
type Config struct {
	// Capacity is the maximum number of flows (default 65536).
	Capacity int
	// Timeout is how long a flow lives without traffic (default 10s).
	Timeout time.Duration
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config { return Config{Capacity: 65536, Timeout: 10 * time.Second} }

// FW is the firewall.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns a FW with an empty flow table. Zero fields of cfg take their
// defaults.
func New(cfg Config) *FW {
	d := DefaultConfig()
	if cfg.Capacity <= 0 {
		cfg.Capacity = d.Capacity
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = d.Timeout
	}
	return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](cfg.Capacity, int64(cfg.Timeout))}
}

// Process filters one packet. Non-IPv4 and malformed frames are dropped.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		id := p.Flow()
		if i, ok := f.flows.Find(id); ok {
			f.flows.Refresh(i, p.Time)
		} else if _, ok := f.flows.Insert(id, struct{}{}, p.Time); !ok {
			return maestro.Drop // table full: keep old flows, refuse new ones
		}
		return maestro.Forward(WAN)
	}
	if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
