// Package poolcross is an adversarial NF (issue 16, RSS-aware allocation):
// a NAT with two value tables over the same external ports, one for TCP
// flows and one for UDP flows, each allocating its own entries. Its WAN
// side converts the destination port with the UDP table's IndexOf, and
// then reads and refreshes the TCP table with that index when the reply is
// TCP (the author assumes the tables are interchangeable: same base, same
// size).
//
// The pooled rule holds only when the index comes from the IndexOf of the
// table it addresses: that table's pools, not another's, decide which core
// allocated the value. An index from another table is opaque (MAE002):
// locks. Expected: {locks}.
package poolcross

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
//maestro:ack MAE002 adversarial NF: the index crosses tables on purpose, and locks is the sound outcome TestAdversarial expects
type NAT struct {
	//maestro:state
	tcp *maestro.Table[maestro.FlowID, struct{}]
	//maestro:state
	udp *maestro.Table[maestro.FlowID, struct{}]

	extIP uint32
}

// New returns a NAT with no flows.
func New(cfg Config) *NAT {
	cfg = cfg.withDefaults()
	tcp, _ := maestro.NewValueTable[maestro.FlowID, struct{}](uint32(cfg.StartPort), 8192, int64(cfg.Timeout))
	udp, _ := maestro.NewValueTable[maestro.FlowID, struct{}](uint32(cfg.StartPort), 8192, int64(cfg.Timeout))
	return &NAT{tcp: tcp, udp: udp, extIP: cfg.ExternalIP}
}

// Process translates one packet.
func (n *NAT) Process(p *maestro.Packet) maestro.Verdict {
	n.tcp.Expire(p.Time)
	n.udp.Expire(p.Time)
	if !p.HasPorts() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		id := p.Flow()
		var i int
		var ok bool
		if p.Proto == maestro.ProtoTCP {
			if i, ok = n.tcp.Find(id); ok {
				n.tcp.Refresh(i, p.Time)
			} else if i, ok = n.tcp.Insert(id, struct{}{}, p.Time); !ok {
				return maestro.Drop
			}
		} else {
			if i, ok = n.udp.Find(id); ok {
				n.udp.Refresh(i, p.Time)
			} else if i, ok = n.udp.Insert(id, struct{}{}, p.Time); !ok {
				return maestro.Drop
			}
		}
		p.SetSrcIP(n.extIP)
		p.SetSrcPort(uint16(n.udp.ValueOf(i)))
		return maestro.Forward(WAN)
	}
	if p.DstIP != n.extIP {
		return maestro.Drop
	}
	i, ok := n.udp.IndexOf(uint32(p.DstPort))
	if !ok {
		return maestro.Drop
	}
	var f maestro.FlowID
	if p.Proto == maestro.ProtoTCP {
		if !n.tcp.Valid(i) {
			return maestro.Drop
		}
		f = n.tcp.Key(i)
	} else {
		if !n.udp.Valid(i) {
			return maestro.Drop
		}
		f = n.udp.Key(i)
	}
	if p.SrcIP != f.DstIP() || p.SrcPort != f.DstPort() || p.Proto != f.Proto() {
		return maestro.Drop
	}
	if p.Proto == maestro.ProtoTCP {
		n.tcp.Refresh(i, p.Time)
	} else {
		n.udp.Refresh(i, p.Time)
	}
	p.SetDstIP(f.SrcIP())
	p.SetDstPort(f.SrcPort())
	return maestro.Forward(LAN)
}
