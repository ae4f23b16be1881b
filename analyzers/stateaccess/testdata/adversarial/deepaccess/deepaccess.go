// Package deepaccess is an adversarial NF (issue 11, class 8): a firewall whose LAN
// side inserts its flow 30 calls below Process.
//
// An analysis whose call walk stops at a fixed depth never sees the Insert,
// believes the table read-only and shards without tying replies to their
// flows. Following the chain gives the FW's plan (shared-nothing, or
// locks); hitting a bound must be a finding (MAE016, or locks), never a
// silent cut. Expected: {shared-nothing, locks, refused:MAE016}, and a plan
// that generates code must record the writes to flows.
package deepaccess

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// FW is a firewall.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW.
func New() *FW { return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)} }

// Process filters one packet.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	if p.InPort == LAN {
		if !f.step1(p) {
			return maestro.Drop
		}
		return maestro.Forward(WAN)
	}
	if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}

func (f *FW) step1(p *maestro.Packet) bool { return f.step2(p) }

func (f *FW) step2(p *maestro.Packet) bool { return f.step3(p) }

func (f *FW) step3(p *maestro.Packet) bool { return f.step4(p) }

func (f *FW) step4(p *maestro.Packet) bool { return f.step5(p) }

func (f *FW) step5(p *maestro.Packet) bool { return f.step6(p) }

func (f *FW) step6(p *maestro.Packet) bool { return f.step7(p) }

func (f *FW) step7(p *maestro.Packet) bool { return f.step8(p) }

func (f *FW) step8(p *maestro.Packet) bool { return f.step9(p) }

func (f *FW) step9(p *maestro.Packet) bool { return f.step10(p) }

func (f *FW) step10(p *maestro.Packet) bool { return f.step11(p) }

func (f *FW) step11(p *maestro.Packet) bool { return f.step12(p) }

func (f *FW) step12(p *maestro.Packet) bool { return f.step13(p) }

func (f *FW) step13(p *maestro.Packet) bool { return f.step14(p) }

func (f *FW) step14(p *maestro.Packet) bool { return f.step15(p) }

func (f *FW) step15(p *maestro.Packet) bool { return f.step16(p) }

func (f *FW) step16(p *maestro.Packet) bool { return f.step17(p) }

func (f *FW) step17(p *maestro.Packet) bool { return f.step18(p) }

func (f *FW) step18(p *maestro.Packet) bool { return f.step19(p) }

func (f *FW) step19(p *maestro.Packet) bool { return f.step20(p) }

func (f *FW) step20(p *maestro.Packet) bool { return f.step21(p) }

func (f *FW) step21(p *maestro.Packet) bool { return f.step22(p) }

func (f *FW) step22(p *maestro.Packet) bool { return f.step23(p) }

func (f *FW) step23(p *maestro.Packet) bool { return f.step24(p) }

func (f *FW) step24(p *maestro.Packet) bool { return f.step25(p) }

func (f *FW) step25(p *maestro.Packet) bool { return f.step26(p) }

func (f *FW) step26(p *maestro.Packet) bool { return f.step27(p) }

func (f *FW) step27(p *maestro.Packet) bool { return f.step28(p) }

func (f *FW) step28(p *maestro.Packet) bool { return f.step29(p) }

func (f *FW) step29(p *maestro.Packet) bool { return f.step30(p) }

func (f *FW) step30(p *maestro.Packet) bool {
	_, ok := f.flows.Insert(p.Flow(), struct{}{}, p.Time)
	return ok
}
