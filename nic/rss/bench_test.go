package rss

import "testing"

var sink uint32

// BenchmarkHash4 hashes a different pseudo-random 4-tuple each iteration
// (an xorshift step, under 1 ns, so the tuple is in registers as it is after
// parsing a packet).
func BenchmarkHash4(b *testing.B) {
	h, err := NewHasher(mustHex(b, msKey))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var x uint32
	r := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < b.N; i++ {
		r ^= r << 13
		r ^= r >> 7
		r ^= r << 17
		x ^= h.Hash4(uint32(r), uint32(r>>32), uint16(r>>16), uint16(r>>40))
	}
	sink = x
}

func BenchmarkHash2(b *testing.B) {
	h, _ := NewHasher(mustHex(b, msKey))
	b.ReportAllocs()
	var x uint32
	for i := 0; i < b.N; i++ {
		x ^= h.Hash2(uint32(i)*2654435761, uint32(i))
	}
	sink = x
}

func BenchmarkToeplitz(b *testing.B) {
	key := mustHex(b, msKey)
	in := input4(ip(66, 9, 149, 187), ip(161, 142, 100, 80), 2794, 1766)
	b.ReportAllocs()
	var x uint32
	for i := 0; i < b.N; i++ {
		in[3] = byte(i)
		x ^= Toeplitz(key, in)
	}
	sink = x
}

func BenchmarkQueue(b *testing.B) {
	p, _ := LookupProfile("e810")
	sol, err := Solve(p, 2, catalog[1].cs, 1)
	if err != nil {
		b.Fatal(err)
	}
	cfgs, _ := sol.WithCores(16)
	c := &cfgs[0]
	b.ReportAllocs()
	q := 0
	for i := 0; i < b.N; i++ {
		q ^= c.Queue(uint32(i)*2654435761, uint32(i), uint16(i), 80, true)
	}
	sink = uint32(q)
}

func BenchmarkNewHasher(b *testing.B) {
	key := mustHex(b, msKey)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := NewHasher(key); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSolve(b *testing.B) {
	for _, prof := range []string{"generic", "e810"} {
		p, _ := LookupProfile(prof)
		for _, tc := range catalog {
			b.Run(prof+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := Solve(p, 2, tc.cs, int64(i)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSolveInfeasible measures the error path, which re-solves subsets
// to find the constraints to blame.
func BenchmarkSolveInfeasible(b *testing.B) {
	p, _ := LookupProfile("generic")
	cs := []Constraint{
		Same(lan, []Bits{Whole(SrcIP)}, wan, []Bits{Whole(SrcIP)}, "x.go:5"),
		DependsOn(wan, "x.go:6", Whole(SrcIP), Whole(DstIP)),
		Same(lan, []Bits{{SrcIP, 0xfffffffe}}, wan, []Bits{{SrcIP, 0x7fffffff}}, "x.go:7"),
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Solve(p, 2, cs, 1); err == nil {
			b.Fatal("feasible")
		}
	}
}
