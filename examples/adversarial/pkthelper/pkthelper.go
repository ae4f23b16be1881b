// Package pkthelper is a negative control of the adversarial suite (issue
// 11): a firewall whose keys come from helpers taking *maestro.Packet,
// lanKey(p) and wanKey(p), as authors factor parsing out.
//
// The helpers only read packet fields: the plan is the FW's, shared-nothing
// with a symmetric key, and must stay so. Expected: {shared-nothing}.
package pkthelper

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
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW with no flows.
func New(cfg Config) *FW {
	return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](8192, int64(cfg.Timeout))}
}

// lanKey is the flow of a LAN packet.
func lanKey(p *maestro.Packet) maestro.FlowID {
	return maestro.MakeFlowID(p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto)
}

// wanKey is the flow a WAN reply belongs to.
func wanKey(p *maestro.Packet) maestro.FlowID {
	return maestro.MakeFlowID(p.DstIP, p.SrcIP, p.DstPort, p.SrcPort, p.Proto)
}

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if !p.IsIPv4() {
		return maestro.Drop
	}
	if p.InPort == LAN {
		if _, ok := f.flows.Insert(lanKey(p), struct{}{}, p.Time); !ok {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
	if i, ok := f.flows.Find(wanKey(p)); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}
