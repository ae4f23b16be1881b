// Package deepwrite is an adversarial NF (issue 11, class 8: bounds): a counter
// field written 30 calls below Process (a chain of small helpers, the shape
// a layered parser or middleware stack has).
//
// An analysis whose call walk stops at a fixed depth never sees the write.
// Following the chain finds MAE001 (an unmarked field written); hitting a
// bound must be a finding, MAE016, never a silent cut. Expected:
// {refused:MAE001, refused:MAE016}.
package deepwrite

import "github.com/nfmaestro/maestro/maestro"

// Counter counts packets and drops every packet after the 1000th.
//
//maestro:nf
type Counter struct {
	n uint64
}

// New returns a Counter.
func New() *Counter { return &Counter{} }

// Process counts one packet.
func (c *Counter) Process(p *maestro.Packet) maestro.Verdict {
	if c.step1(p) {
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}

func (c *Counter) step1(p *maestro.Packet) bool { return c.step2(p) }

func (c *Counter) step2(p *maestro.Packet) bool { return c.step3(p) }

func (c *Counter) step3(p *maestro.Packet) bool { return c.step4(p) }

func (c *Counter) step4(p *maestro.Packet) bool { return c.step5(p) }

func (c *Counter) step5(p *maestro.Packet) bool { return c.step6(p) }

func (c *Counter) step6(p *maestro.Packet) bool { return c.step7(p) }

func (c *Counter) step7(p *maestro.Packet) bool { return c.step8(p) }

func (c *Counter) step8(p *maestro.Packet) bool { return c.step9(p) }

func (c *Counter) step9(p *maestro.Packet) bool { return c.step10(p) }

func (c *Counter) step10(p *maestro.Packet) bool { return c.step11(p) }

func (c *Counter) step11(p *maestro.Packet) bool { return c.step12(p) }

func (c *Counter) step12(p *maestro.Packet) bool { return c.step13(p) }

func (c *Counter) step13(p *maestro.Packet) bool { return c.step14(p) }

func (c *Counter) step14(p *maestro.Packet) bool { return c.step15(p) }

func (c *Counter) step15(p *maestro.Packet) bool { return c.step16(p) }

func (c *Counter) step16(p *maestro.Packet) bool { return c.step17(p) }

func (c *Counter) step17(p *maestro.Packet) bool { return c.step18(p) }

func (c *Counter) step18(p *maestro.Packet) bool { return c.step19(p) }

func (c *Counter) step19(p *maestro.Packet) bool { return c.step20(p) }

func (c *Counter) step20(p *maestro.Packet) bool { return c.step21(p) }

func (c *Counter) step21(p *maestro.Packet) bool { return c.step22(p) }

func (c *Counter) step22(p *maestro.Packet) bool { return c.step23(p) }

func (c *Counter) step23(p *maestro.Packet) bool { return c.step24(p) }

func (c *Counter) step24(p *maestro.Packet) bool { return c.step25(p) }

func (c *Counter) step25(p *maestro.Packet) bool { return c.step26(p) }

func (c *Counter) step26(p *maestro.Packet) bool { return c.step27(p) }

func (c *Counter) step27(p *maestro.Packet) bool { return c.step28(p) }

func (c *Counter) step28(p *maestro.Packet) bool { return c.step29(p) }

func (c *Counter) step29(p *maestro.Packet) bool { return c.step30(p) }

func (c *Counter) step30(p *maestro.Packet) bool {
	c.n++
	return c.n > 1000
}
