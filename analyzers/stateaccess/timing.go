package stateaccess

import (
	"fmt"
	"go/token"
	"strings"

	"golang.org/x/tools/go/ssa"
)

// Time-driven writes (fact 5 of the package documentation). Expire removes
// entries by age. A shared-nothing core sees only its own packets, so a
// core's copy is expired only when one of its packets runs Expire: the
// parallel NF equals the sequential one only if, on every packet, Expire
// with the packet's time runs before any other access to the same
// container. Then whenever a core touches the container it is expired up
// to that packet's time, exactly as the single sequential copy would be for
// those entries. Otherwise the NF runs with locks (MAE017).

// checkTiming reports containers whose expiry does not precede their
// accesses, and expiry not driven by the packet's time.
func (a *nfAnalysis) checkTiming() {
	byState := map[string][]*access{}
	var order []string
	for _, ac := range a.accesses {
		if _, ok := byState[ac.state]; !ok {
			order = append(order, ac.state)
		}
		byState[ac.state] = append(byState[ac.state], ac)
	}
	for _, st := range order {
		accs := byState[st]
		var exps []*access
		for _, ac := range accs {
			if ac.spec.expire {
				exps = append(exps, ac)
			}
		}
		if len(exps) == 0 {
			continue
		}
		for _, e := range exps {
			if !packetTime(e.nowV) {
				a.lockFinding(e.pos, "MAE017", "%s.%s is given %s, not the packet's time p.Time: each core would expire its copy on a different clock, so the NF runs with locks; pass p.Time", e.state, e.method, e.nowV.describe())
			}
		}
		for _, ac := range accs {
			if ac.spec.expire {
				continue
			}
			before := false
			for _, e := range exps {
				if e.runsBefore(ac) {
					before = true
					break
				}
			}
			if !before {
				e := exps[0]
				a.lockFinding(e.pos, "MAE017", "%s.%s does not run before %s on every packet: a core would keep entries the sequential NF has already expired, so the NF runs with locks; call %s.%s(p.Time) first thing in Process", e.state, e.method, ac.label(), e.state, e.method)
				break
			}
		}
	}
}

// lockFinding reports a finding that forces locks and records it as a
// reason of the plan.
func (a *nfAnalysis) lockFinding(pos token.Pos, code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	a.r.report(pos, code, "%s", msg)
	a.lockReasons = append(a.lockReasons, Reason{Pos: shortPos(a.pass.Fset, pos), Code: code, Message: msg})
}

// packetTime reports whether v is the packet's time, possibly shifted by
// a constant (which keeps it monotone).
func packetTime(v *val) bool {
	if v == nil || v.k != kPacket || v.field != "Time" {
		return false
	}
	for _, t := range strings.Split(v.xf, ";") {
		if t != "" && !strings.HasPrefix(t, "addition") && !strings.HasPrefix(t, "subtraction") {
			return false
		}
	}
	return true
}

// step is one level of a call chain: the instruction a frame is at.
type step struct {
	fr    *frame
	instr ssa.Instruction
}

// chain returns the call chain of ac from Process down: at each level, the
// frame and the instruction (a call site, then the access itself).
func (ac *access) chain() []step {
	var out []step
	instr := ssa.Instruction(ac.call)
	for g := ac.fr; g != nil; g = g.parent {
		out = append(out, step{g, instr})
		if g.site != nil {
			instr = g.site
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// runsBefore reports whether e runs before ac on every path that reaches
// ac: at the deepest frame both chains share, e's step dominates ac's,
// and below it e runs on every normal return of each frame of its chain.
func (e *access) runsBefore(ac *access) bool {
	ce, ca := e.chain(), ac.chain()
	j := 0
	for j+1 < len(ce) && j+1 < len(ca) && ce[j+1].fr == ca[j+1].fr {
		j++
	}
	if len(ce) == 0 || len(ca) == 0 || ce[0].fr != ca[0].fr {
		return false
	}
	ie, ia := ce[j].instr, ca[j].instr
	if ie == ia || !dominates(ie, ia) {
		return false
	}
	if _, deferred := ie.(*ssa.Defer); deferred {
		return false
	}
	for m := j + 1; m < len(ce); m++ {
		site := ce[m].fr.site
		if _, deferred := site.(*ssa.Defer); deferred {
			return false // runs when the function returns, after everything
		}
		if site == nil || site.Common().StaticCallee() == nil || site.Common().IsInvoke() {
			return false // a dynamic call may run another target
		}
		if !dominatesReturns(ce[m].instr) {
			return false
		}
	}
	return true
}

// dominates reports whether instruction x runs before y on every path to
// y (same function).
func dominates(x, y ssa.Instruction) bool {
	bx, by := x.Block(), y.Block()
	if bx == nil || by == nil || bx.Parent() != by.Parent() {
		return false
	}
	if bx != by {
		return bx.Dominates(by)
	}
	for _, in := range bx.Instrs {
		if in == x {
			return true
		}
		if in == y {
			return false
		}
	}
	return false
}

// dominatesReturns reports whether x runs on every path to a return of its
// function.
func dominatesReturns(x ssa.Instruction) bool {
	fn := x.Parent()
	if fn == nil {
		return false
	}
	for _, b := range fn.Blocks {
		if len(b.Instrs) == 0 {
			continue
		}
		if ret, ok := b.Instrs[len(b.Instrs)-1].(*ssa.Return); ok && !dominates(x, ret) {
			return false
		}
	}
	return true
}
