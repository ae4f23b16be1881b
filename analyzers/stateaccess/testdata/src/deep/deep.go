// Package deep is an NF whose key is computed from a table entry through
// deep chains of operations and branches on packet bytes, each step
// combining the previous value with itself: a description of the value that nested its
// operands would double at every step (2^60 characters here). The analysis
// must stay small and say, bounded, that it cannot follow the key.
package deep

import "github.com/nfmaestro/maestro/maestro"

type Config struct{}

//maestro:nf
type Deep struct {
	//maestro:state
	seen *maestro.Map[uint32, int]
}

func New(Config) *Deep { return &Deep{} }

func (d *Deep) Process(p *maestro.Packet) maestro.Verdict {
	if len(p.Data) < 64 {
		return maestro.Drop
	}
	v, _ := d.seen.Get(p.SrcIP)
	x := uint32(v)
	x = x ^ (x << 1)
	if p.Data[2] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[4] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[6] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[8] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[10] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[12] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[14] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[16] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[18] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[20] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[22] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[24] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[26] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[28] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[30] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[32] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[34] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[36] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[38] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[40] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[42] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[44] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[46] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[48] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[50] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[52] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[54] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[56] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[58] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	x = x ^ (x << 1)
	if p.Data[60] > 7 {
		x = x + x*3
	} else {
		x = x ^ x>>2
	}
	d.seen.Put(x, 1) // want `.*`
	return maestro.Forward(1)
}
