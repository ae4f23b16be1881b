// Package ifacedispatch is an adversarial NF (issue 11, class 1): a firewall with
// one handler type per port behind an interface, kept in an array indexed by
// the input port; Process calls f.handlers[p.InPort&1].handle(f.flows, p).
//
// The state is passed to an interface method. An analysis that does not
// resolve interface calls sees the table escape (or nothing at all); the
// implementations are known (two types of this package), so a closed-world
// analysis resolves them, with each on any port (shared-nothing with
// symmetric keys, or locks), or refuses the call. Expected:
// {shared-nothing, locks, refused:MAE015}, and a plan that generates code
// must record the writes to flows.
package ifacedispatch

import "github.com/nfmaestro/maestro/maestro"

// The NF's ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

type table = maestro.Table[maestro.FlowID, struct{}]

type handler interface {
	handle(t *table, p *maestro.Packet) maestro.Verdict
}

type lanHandler struct{}

func (lanHandler) handle(t *table, p *maestro.Packet) maestro.Verdict {
	if _, ok := t.Insert(p.Flow(), struct{}{}, p.Time); !ok {
		return maestro.Drop
	}
	return maestro.Forward(WAN)
}

type wanHandler struct{}

func (wanHandler) handle(t *table, p *maestro.Packet) maestro.Verdict {
	if i, ok := t.Find(p.Flow().Reverse()); ok {
		t.Refresh(i, p.Time)
		return maestro.Forward(LAN)
	}
	return maestro.Drop
}

// FW is a firewall.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *table

	handlers [2]handler
}

// New returns an FW.
func New() *FW {
	return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9), handlers: [2]handler{lanHandler{}, wanHandler{}}}
}

// Process dispatches to the handler of the input port.
func (f *FW) Process(p *maestro.Packet) maestro.Verdict {
	f.flows.Expire(p.Time)
	return f.handlers[p.InPort&1].handle(f.flows, p)
}
