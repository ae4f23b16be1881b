// Package recursion is an adversarial NF (issue 11, class 8): a longest-prefix
// limiter that looks the source up at /32, then recursively at shorter
// prefixes, and counts the packet at the first prefix found (or creates
// the /16 entry).
//
// The call graph of the packet path has a cycle: an analysis that cuts it
// silently may miss accesses made deeper in the recursion, and the keys of
// a recursive call are not bit-exact functions of the packet either way.
// Recursion on the packet path is MAE016. Expected: {refused:MAE016}.
package recursion

import "github.com/nfmaestro/maestro/maestro"

type prefix struct {
	addr uint32
	bits uint8
}

// LPM limits packets per most specific known prefix of the source.
//
//maestro:nf
type LPM struct {
	//maestro:state
	counts *maestro.Map[prefix, uint32]
}

// New returns an LPM with no prefixes.
func New() *LPM { return &LPM{counts: maestro.NewMap[prefix, uint32](4096)} }

func (l *LPM) count(addr uint32, bits uint8) uint32 {
	k := prefix{addr &^ (1<<(32-bits) - 1), bits}
	if bits == 16 {
		n, _ := l.counts.Get(k)
		l.counts.Put(k, n+1)
		return n + 1
	}
	if n, ok := l.counts.Get(k); ok {
		l.counts.Put(k, n+1)
		return n + 1
	}
	return l.count(addr, bits-8) // want MAE016
}

// Process counts the packet against its source's prefix.
func (l *LPM) Process(p *maestro.Packet) maestro.Verdict {
	if l.count(p.SrcIP, 32) > 100 {
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}
