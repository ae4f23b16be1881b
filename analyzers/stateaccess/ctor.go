package stateaccess

import (
	"go/token"

	"golang.org/x/tools/go/ssa"
)

// The constructor (fact 1's premise). A shared-nothing parallel NF calls
// the NF's constructor once per core and a lock-based one once in all; the
// sequential NF is built by one call too. Each core's instance must
// therefore be what the sequential instance is: a constructor whose result
// depends on the wall clock, on a random source it does not seed from its
// configuration, or on package variables that change (an instance counter)
// would give every core a different configuration (a different secret, a
// different ID), and the parallel NF would differ from the sequential one
// whatever the plan. A goroutine the constructor starts runs beside the
// packet path, unseen by the analysis, once per core (MAE019).

// nondeterministic names what makes a call's result differ from one call
// to the next, or "".
func nondeterministic(fn *ssa.Function) string {
	if fn == nil || fn.Signature.Recv() != nil {
		return ""
	}
	switch pkgPath(fn) {
	case "time":
		switch fn.Name() {
		case "Now", "Since", "Until":
			return "the wall clock (time." + fn.Name() + ")"
		}
	case "math/rand", "math/rand/v2":
		switch fn.Name() {
		case "New", "NewSource", "NewPCG", "NewChaCha8", "NewZipf":
			return "" // a generator seeded by the caller
		}
		return "the global random source (rand." + fn.Name() + ")"
	case "crypto/rand":
		return "the system's random source (crypto/rand." + fn.Name() + ")"
	}
	return ""
}

// checkConstructor reports what makes ctor's result differ between calls:
// nondeterministic calls and reads of package variables written outside
// init, in ctor and the package functions it calls.
func (a *nfAnalysis) checkConstructor(ctor *ssa.Function) {
	seen := map[*ssa.Function]bool{}
	var walk func(fn *ssa.Function, depth int)
	walk = func(fn *ssa.Function, depth int) {
		if fn == nil || seen[fn] || depth > maxDepth {
			return
		}
		seen[fn] = true
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				if g, ok := instr.(*ssa.Go); ok {
					a.ctorFinding(g.Pos(), "a goroutine it starts, which runs beside the packet path behind the analysis' back (and once per core in the parallel NF)")
				}
				switch in := instr.(type) {
				case ssa.CallInstruction:
					c := in.Common()
					callee := c.StaticCallee()
					if why := nondeterministic(callee); why != "" {
						a.ctorFinding(in.Pos(), why)
					}
					if b := a.bodyOf(callee); b != nil && !c.IsInvoke() {
						walk(b, depth+1)
					}
					for _, arg := range c.Args {
						if mc, ok := arg.(*ssa.MakeClosure); ok {
							walk(a.bodyOf(mc.Fn.(*ssa.Function)), depth+1)
						}
					}
				case *ssa.UnOp:
					if in.Op != token.MUL {
						continue
					}
					if g := storeRootGlobal(in.X); g != "" {
						if w := a.globalWriter(g); w != "" {
							a.ctorFinding(in.Pos(), "package variable "+g+", which "+w+" writes")
						}
					}
				}
			}
		}
		for _, anon := range fn.AnonFuncs {
			walk(anon, depth+1)
		}
	}
	walk(ctor, 0)
}

// ctorFinding reports one MAE019 finding.
func (a *nfAnalysis) ctorFinding(pos token.Pos, why string) {
	a.block(pos, "MAE019", "the constructor %s depends on %s: the parallel NF builds its instances with their own calls of it, so each core's instance would differ from the sequential one; take such values from the configuration (a seed, an ID) instead", a.nf.ctor, why)
}
