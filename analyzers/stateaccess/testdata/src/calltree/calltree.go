// Package calltree is an NF whose packet path is a call tree of depth 30
// in which every helper calls the next one twice: 2^30 paths through
// distinct call sites.
package calltree

import "github.com/nfmaestro/maestro/maestro"

type Config struct{}

//maestro:nf
type Tree struct {
	//maestro:state
	seen *maestro.Map[uint32, int]
}

func New(Config) *Tree { return &Tree{} }

func (t *Tree) Process(p *maestro.Packet) maestro.Verdict {
	return maestro.Forward(maestro.Port(t.h0(p, p.SrcIP) & 1))
}

func (t *Tree) h0(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 0 {
		return t.h1(p, k) + t.h1(p, k^1)
	}
	return k
}

func (t *Tree) h1(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 1 {
		return t.h2(p, k) + t.h2(p, k^1)
	}
	return k
}

func (t *Tree) h2(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 2 {
		return t.h3(p, k) + t.h3(p, k^1)
	}
	return k
}

func (t *Tree) h3(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 3 {
		return t.h4(p, k) + t.h4(p, k^1)
	}
	return k
}

func (t *Tree) h4(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 4 {
		return t.h5(p, k) + t.h5(p, k^1)
	}
	return k
}

func (t *Tree) h5(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 5 {
		return t.h6(p, k) + t.h6(p, k^1)
	}
	return k
}

func (t *Tree) h6(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 6 {
		return t.h7(p, k) + t.h7(p, k^1)
	}
	return k
}

func (t *Tree) h7(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 7 {
		return t.h8(p, k) + t.h8(p, k^1)
	}
	return k
}

func (t *Tree) h8(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 8 {
		return t.h9(p, k) + t.h9(p, k^1)
	}
	return k
}

func (t *Tree) h9(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 9 {
		return t.h10(p, k) + t.h10(p, k^1)
	}
	return k
}

func (t *Tree) h10(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 10 {
		return t.h11(p, k) + t.h11(p, k^1)
	}
	return k
}

func (t *Tree) h11(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 11 {
		return t.h12(p, k) + t.h12(p, k^1)
	}
	return k
}

func (t *Tree) h12(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 12 {
		return t.h13(p, k) + t.h13(p, k^1)
	}
	return k
}

func (t *Tree) h13(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 13 {
		return t.h14(p, k) + t.h14(p, k^1)
	}
	return k
}

func (t *Tree) h14(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 14 {
		return t.h15(p, k) + t.h15(p, k^1)
	}
	return k
}

func (t *Tree) h15(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 15 {
		return t.h16(p, k) + t.h16(p, k^1)
	}
	return k
}

func (t *Tree) h16(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 16 {
		return t.h17(p, k) + t.h17(p, k^1)
	}
	return k
}

func (t *Tree) h17(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 17 {
		return t.h18(p, k) + t.h18(p, k^1)
	}
	return k
}

func (t *Tree) h18(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 18 {
		return t.h19(p, k) + t.h19(p, k^1)
	}
	return k
}

func (t *Tree) h19(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 19 {
		return t.h20(p, k) + t.h20(p, k^1)
	}
	return k
}

func (t *Tree) h20(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 20 {
		return t.h21(p, k) + t.h21(p, k^1)
	}
	return k
}

func (t *Tree) h21(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 21 {
		return t.h22(p, k) + t.h22(p, k^1)
	}
	return k
}

func (t *Tree) h22(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 22 {
		return t.h23(p, k) + t.h23(p, k^1)
	}
	return k
}

func (t *Tree) h23(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 23 {
		return t.h24(p, k) + t.h24(p, k^1)
	}
	return k
}

func (t *Tree) h24(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 24 {
		return t.h25(p, k) + t.h25(p, k^1)
	}
	return k
}

func (t *Tree) h25(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 25 {
		return t.h26(p, k) + t.h26(p, k^1)
	}
	return k
}

func (t *Tree) h26(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 26 {
		return t.h27(p, k) + t.h27(p, k^1)
	}
	return k
}

func (t *Tree) h27(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 27 {
		return t.h28(p, k) + t.h28(p, k^1)
	}
	return k
}

func (t *Tree) h28(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 28 {
		return t.h29(p, k) + t.h29(p, k^1)
	}
	return k
}

func (t *Tree) h29(p *maestro.Packet, k uint32) uint32 {
	if p.DstPort > 29 {
		return t.h30(p, k) + t.h30(p, k^1)
	}
	return k
}

func (t *Tree) h30(p *maestro.Packet, k uint32) uint32 {
	v, _ := t.seen.Get(k)
	return uint32(v)
}
