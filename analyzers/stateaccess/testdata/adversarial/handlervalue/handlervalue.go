// Package handlervalue is an adversarial NF (issue 11, class 1: state reached
// other than by a direct call): a firewall that picks a per-port handler,
// one of its own methods, as a method value (h := f.lan, or f.wan on the
// WAN port) and calls it through the variable.
//
// The handlers hold every state access. An analysis that does not resolve
// the call through h sees no access at all: a "stateless" or read-only plan
// that never ties flows to replies. The targets are known (two bound
// methods), so a closed-world analysis either resolves them, with each
// handler on any port (shared-nothing with symmetric keys, or locks), or
// refuses the dynamic call. Expected: {shared-nothing, locks,
// refused:MAE015}, and a plan that generates code must record the writes
// to flows.
package handlervalue

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

func (f *FW) lan(p *maestro.Packet) maestro.Verdict {
	if _, ok := f.flows.Insert(p.Flow(), struct{}{}, p.Time); !ok {
		return maestro.Drop
	}
	return maestro.Forward(WAN)
}

func (f *FW) wan(p *maestro.Packet) maestro.Verdict {
	if i, ok := f.flows.Find(p.Flow().Reverse()); ok {
		f.flows.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}

// Process dispatches to the handler of the input port.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	h := f.lan
	if p.InPort == WAN {
		h = f.wan
	}
	return h(p)
}
