// Package verifyrefresh is an adversarial NF (issue 11, class 6: verified
// accesses): a NAT whose WAN side finds the flow by external port and
// refreshes it before checking it against the packet's server (the author
// keeps "touch the entry" next to "find the entry"); a packet that fails
// the check is then dropped, as in the catalog NAT.
//
// The failing side has already written: on a shared-nothing NAT a spoofed
// packet keeps alive whichever flow its core holds under that port, not
// the sequential NAT's, so expiry differs afterwards. The verified-access
// rule must not apply. Expected: {locks}.
package verifyrefresh

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

// NAT translates LAN flows to external ports StartPort+index.
//
//maestro:nf
//maestro:ack locks adversarial NF: its key has no field RSS can hash and its index reaches the packet, on purpose, and locks is the sound outcome TestAdversarial expects
type NAT struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]

	extIP     uint32
	startPort uint16
}

// New returns a NAT with no flows.
func New(cfg Config) *NAT {
	d := DefaultConfig()
	if cfg.ExternalIP == 0 {
		cfg.ExternalIP = d.ExternalIP
	}
	if cfg.StartPort == 0 {
		cfg.StartPort = d.StartPort
	}
	return &NAT{
		flows:     maestro.NewTable[maestro.FlowID, struct{}](8192, int64(cfg.Timeout)),
		extIP:     cfg.ExternalIP,
		startPort: cfg.StartPort,
	}
}

// Process translates one packet.
func (n *NAT) Process(p *maestro.Packet) maestro.Verdict {
	n.flows.Expire(p.Time)
	if !p.HasPorts() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		i, ok := n.flows.Find(p.Flow())
		if ok {
			n.flows.Refresh(i, p.Time)
		} else if i, ok = n.flows.Insert(p.Flow(), struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		p.SetSrcIP(n.extIP)
		p.SetSrcPort(n.startPort + uint16(i))
		return maestro.Forward(WAN)
	}
	if p.DstIP != n.extIP || p.DstPort < n.startPort {
		return maestro.Drop
	}
	i := int(p.DstPort - n.startPort)
	if !n.flows.Valid(i) {
		return maestro.Drop
	}
	n.flows.Refresh(i, p.Time)
	f := n.flows.Key(i)
	if p.SrcIP != f.DstIP() || p.SrcPort != f.DstPort() || p.Proto != f.Proto() {
		return maestro.Drop // not this flow's server
	}
	p.SetDstIP(f.SrcIP())
	p.SetDstPort(f.SrcPort())
	return maestro.Forward(LAN)
}
