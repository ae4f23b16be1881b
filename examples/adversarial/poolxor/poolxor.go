// Package poolxor is an adversarial NF (issue 16, RSS-aware allocation): a
// NAT like the catalog's, whose external port stands for an index of a
// value table, but whose WAN side looks the entry up by the index of the
// destination port XOR the low bits of the source port (the author
// "scrambles" ports so that a reply must come from the right server port).
//
// The pooled rule holds only for the index of a whole packet field as the
// packet carries it: each core allocates the values whose packets reach
// it, and the packet with value v reaches the core owning v. The value
// looked up here is DstPort^(SrcPort&0xff), whose owner core is not the
// one the NIC picks from DstPort, so the entry may live on another core:
// the index is opaque (MAE002) and the NF runs with locks. Expected:
// {locks}.
package poolxor

import (
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// The NAT's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a NAT.
type Config struct {
	ExternalIP uint32        // WAN address (default 192.0.2.1)
	StartPort  uint16        // first external port (default 32768)
	Timeout    time.Duration // flow lifetime without traffic
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{ExternalIP: 0xc0000201, StartPort: 32768, Timeout: 10 * time.Second}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ExternalIP == 0 {
		c.ExternalIP = d.ExternalIP
	}
	if c.StartPort == 0 {
		c.StartPort = d.StartPort
	}
	return c
}

// NAT translates LAN flows to external ports.
//
//maestro:nf
//maestro:ack MAE002 adversarial NF: the scrambled index is opaque on purpose, and locks is the sound outcome TestAdversarial expects
type NAT struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]

	extIP uint32
}

// New returns a NAT with no flows.
func New(cfg Config) *NAT {
	cfg = cfg.withDefaults()
	flows, _ := maestro.NewValueTable[maestro.FlowID, struct{}](uint32(cfg.StartPort), 8192, int64(cfg.Timeout))
	return &NAT{flows: flows, extIP: cfg.ExternalIP}
}

// Process translates one packet.
func (n *NAT) Process(p *maestro.Packet) maestro.Verdict {
	n.flows.Expire(p.Time)
	if !p.HasPorts() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		id := p.Flow()
		i, ok := n.flows.Find(id)
		if ok {
			n.flows.Refresh(i, p.Time)
		} else if i, ok = n.flows.Insert(id, struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		p.SetSrcIP(n.extIP)
		p.SetSrcPort(uint16(n.flows.ValueOf(i)) ^ id.DstPort()&0xff)
		return maestro.Forward(WAN)
	}
	if p.DstIP != n.extIP {
		return maestro.Drop
	}
	i, ok := n.flows.IndexOf(uint32(p.DstPort ^ p.SrcPort&0xff))
	if !ok || !n.flows.Valid(i) {
		return maestro.Drop
	}
	f := n.flows.Key(i)
	if p.SrcIP != f.DstIP() || p.SrcPort != f.DstPort() || p.Proto != f.Proto() {
		return maestro.Drop
	}
	n.flows.Refresh(i, p.Time)
	p.SetDstIP(f.SrcIP())
	p.SetDstPort(f.SrcPort())
	return maestro.Forward(LAN)
}
