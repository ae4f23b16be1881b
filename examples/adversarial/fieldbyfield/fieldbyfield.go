// Package fieldbyfield is a negative control of the adversarial suite
// (issue 11): a firewall whose key struct is built field by field, var k
// key; k.client = p.SrcIP; ..., on LAN, and with the fields swapped on WAN.
//
// Every component comes from one packet field, unchanged: the plan is the
// FW's, shared-nothing with a symmetric key, and must stay so. Expected:
// {shared-nothing}.
package fieldbyfield

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
	Timeout time.Duration // flow lifetime without traffic
}

// FW is a firewall: LAN packets create or refresh their flow and pass,
// WAN packets pass only as replies of a live flow.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[key, struct{}]
}

// New returns an FW with no flows.
func New(cfg Config) *FW {
	return &FW{flows: maestro.NewTable[key, struct{}](8192, int64(cfg.Timeout))}
}

// key is a connection as seen from the LAN.
type key struct {
	client, server uint32
	cport, sport   uint16
	proto          uint8
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	var k key
	if p.InPort == LAN {
		k.client = p.SrcIP
		k.server = p.DstIP
		k.cport = p.SrcPort
		k.sport = p.DstPort
		k.proto = p.Proto
		if _, ok := f.flows.Insert(k, struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
	k.client = p.DstIP
	k.server = p.SrcIP
	k.cport = p.DstPort
	k.sport = p.SrcPort
	k.proto = p.Proto
	if i, ok := f.flows.Find(k); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
