// Package nat is a port-translating NAT (NAPT) between a private LAN and the
// WAN. Each LAN flow (TCP or UDP 5-tuple) gets its own external port,
// StartPort plus the index of the flow's entry in the flow table; its
// packets leave with their source rewritten to ExternalIP and that port. A
// WAN packet to ExternalIP is translated back only if its destination port
// belongs to a live flow and it comes from that flow's server (source IP,
// source port and protocol equal to the flow's destination); anything else
// is dropped without touching any state. Flows expire after a timeout
// without traffic in either direction.
//
// State: one value table (maestro.NewValueTable) keyed by the internal
// 5-tuple (src, dst, sport, dport, proto) as seen on the LAN, whose index i
// stands for the external port StartPort+i. The WAN side reaches the same
// entry by IndexOf(destination port) and checks it against the packet's
// source, the flow's server. Because the WAN entry is found by the
// external port's own value, the parallel NAT allocates ports RSS-aware:
// each core hands out only the ports whose replies the NIC delivers to it
// (the WAN queue depends only on the destination port), so the LAN side
// may hash the whole 4-tuple and spreads even when every client talks to
// one server. Which port a flow gets then differs from the sequential
// NAT's; nothing else does (capacity aside: each core has its pool).
package nat

import (
	"fmt"
	"math/bits"
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
	// ExternalIP is the NAT's WAN address (default 192.0.2.1, host order).
	ExternalIP uint32
	// StartPort is the first external port (default 32768).
	StartPort uint16
	// Capacity is the number of external ports, hence of concurrent flows
	// (default 32768: ports 32768-65535). The flow table's capacity is a
	// power of two, and every index must map to a port, so New uses the
	// largest power of two not above Capacity with StartPort+Capacity <=
	// 65536; Validate reports a Capacity that New would have to lower.
	Capacity int
	// Timeout is how long a flow lives without traffic (default 10s).
	Timeout time.Duration
}

// DefaultConfig returns the catalog defaults.
func DefaultConfig() Config {
	return Config{ExternalIP: 0xc0000201, StartPort: 32768, Capacity: 32768, Timeout: 10 * time.Second}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ExternalIP == 0 {
		c.ExternalIP = d.ExternalIP
	}
	if c.StartPort == 0 {
		c.StartPort = d.StartPort
	}
	if c.Capacity <= 0 {
		c.Capacity = d.Capacity
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	return c
}

// ports returns the number of external ports New uses for c (defaults
// applied): the largest power of two within Capacity and the port range.
func (c Config) ports() int {
	n := min(c.Capacity, 65536-int(c.StartPort))
	return 1 << (bits.Len(uint(n)) - 1)
}

// Validate reports a configuration that New would have to change: a
// Capacity that is not a power of two or does not fit above StartPort.
func (c Config) Validate() error {
	c = c.withDefaults()
	if n := c.ports(); n != c.Capacity {
		return fmt.Errorf("nat: capacity %d with start port %d: want a power of two with start+capacity <= 65536 (e.g. %d)", c.Capacity, c.StartPort, n)
	}
	return nil
}

// NAT is the translator.
//
//maestro:nf
type NAT struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]

	extIP uint32
}

// New returns a NAT with no flows. Zero fields of cfg take their defaults;
// Capacity is lowered as described on Config.
func New(cfg Config) *NAT {
	cfg = cfg.withDefaults()
	// ports() keeps StartPort+Capacity within 65536: no error.
	flows, _ := maestro.NewValueTable[maestro.FlowID, struct{}](uint32(cfg.StartPort), cfg.ports(), int64(cfg.Timeout))
	return &NAT{flows: flows, extIP: cfg.ExternalIP}
}

// Process translates one packet. Only TCP and UDP (unfragmented IPv4) can be
// translated; everything else is dropped.
func (n *NAT) Process(p *maestro.Packet) maestro.Verdict {
	n.flows.Expire(p.Time)
	if !p.HasPorts() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		return n.outbound(p)
	}
	return n.inbound(p)
}

// outbound maps a LAN packet to its flow's external address.
func (n *NAT) outbound(p *maestro.Packet) maestro.Verdict {
	id := p.Flow()
	i, ok := n.flows.Find(id)
	if ok {
		n.flows.Refresh(i, p.Time)
	} else if i, ok = n.flows.Insert(id, struct{}{}, p.Time); !ok {
		return maestro.Drop // every external port is taken
	}
	p.SetSrcIP(n.extIP)
	p.SetSrcPort(uint16(n.flows.ValueOf(i)))
	return maestro.Forward(WAN)
}

// inbound maps a WAN reply back to the internal host, after checking that it
// comes from the server of the flow that owns the port.
func (n *NAT) inbound(p *maestro.Packet) maestro.Verdict {
	if p.DstIP != n.extIP {
		return maestro.Drop
	}
	i, ok := n.flows.IndexOf(uint32(p.DstPort))
	if !ok || !n.flows.Valid(i) {
		return maestro.Drop // not an external port, or not allocated
	}
	f := n.flows.Key(i)
	if p.SrcIP != f.DstIP() || p.SrcPort != f.DstPort() || p.Proto != f.Proto() {
		return maestro.Drop // not from this flow's server: spoofed or stale
	}
	n.flows.Refresh(i, p.Time)
	p.SetDstIP(f.SrcIP())
	p.SetDstPort(f.SrcPort())
	return maestro.Forward(LAN)
}
