package rss

import (
	"bytes"
	"errors"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// pkt is a hashed 4-tuple in host byte order.
type pkt struct {
	f [numFields]uint32
}

func randPkt(rng *rand.Rand) pkt {
	return pkt{[numFields]uint32{rng.Uint32(), rng.Uint32(), rng.Uint32() & 0xffff, rng.Uint32() & 0xffff}}
}

func (p pkt) queue(c *Config, hasPorts bool) int {
	return c.Queue(p.f[SrcIP], p.f[DstIP], uint16(p.f[SrcPort]), uint16(p.f[DstPort]), hasPorts)
}

func (p pkt) hash(c *Config, hasPorts bool) uint32 {
	return c.Hash(p.f[SrcIP], p.f[DstIP], uint16(p.f[SrcPort]), uint16(p.f[DstPort]), hasPorts)
}

// copyBits sets the bits of y selected by to from the bits of x selected by
// from, pairing them from the least significant up (the documented pairing).
func copyBits(x pkt, from Bits, y *pkt, to Bits) {
	fm, tm := from.Mask, to.Mask
	for fm != 0 {
		a, b := bits.TrailingZeros32(fm), bits.TrailingZeros32(tm)
		fm &^= 1 << a
		tm &^= 1 << b
		y.f[to.Field] = y.f[to.Field]&^(1<<b) | (x.f[from.Field]>>a&1)<<b
	}
}

// checkConstraints draws n random packet pairs per constraint that the
// constraint says must share a queue and checks that they do, through the
// software dispatcher, both with and without L4 ports hashed.
func checkConstraints(t *testing.T, cfgs []Config, b int, cs []Constraint, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	mask := uint32(1)<<b - 1
	for _, c := range cs {
		ci := &cfgs[c.Port]
		for i := 0; i < n; i++ {
			x := randPkt(rng)
			xPorts := i%4 != 0 // a quarter hashed as 2-tuples (ICMP, fragments)
			if !xPorts {
				x.f[SrcPort], x.f[DstPort] = 0, 0
			}
			var y pkt
			cj := ci
			switch c.Kind {
			case DependsOnly:
				// y agrees with x on the allowed bits only.
				y = randPkt(rng)
				if !xPorts {
					y.f[SrcPort], y.f[DstPort] = 0, 0
				}
				for _, bb := range c.Fields {
					copyBits(x, bb, &y, bb)
				}
			case SameQueue:
				cj = &cfgs[c.OtherPort]
				y = randPkt(rng)
				if rng.IntN(4) == 0 {
					y.f[SrcPort], y.f[DstPort] = 0, 0
				}
				for k := range c.Fields {
					copyBits(x, c.Fields[k], &y, c.OtherFields[k])
				}
			}
			yPorts := y.f[SrcPort] != 0 || y.f[DstPort] != 0 || rng.IntN(2) == 0
			if hx, hy := x.hash(ci, xPorts)&mask, y.hash(cj, yPorts)&mask; hx != hy {
				t.Fatalf("%v: packets %v (ports hashed %v) and %v (ports hashed %v) get RETA index %d and %d", c, x, xPorts, y, yPorts, hx, hy)
			}
			if qx, qy := x.queue(ci, xPorts), y.queue(cj, yPorts); qx != qy {
				t.Fatalf("%v: packets %v and %v reach queues %d and %d", c, x, y, qx, qy)
			}
		}
	}
}

// checkSpread hashes n random flows on every port and checks that the
// busiest queue gets at most maxOverMean times the mean.
func checkSpread(t *testing.T, cfgs []Config, cores, n int, maxOverMean float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range cfgs {
		counts := make([]int, cores)
		for j := 0; j < n; j++ {
			counts[randPkt(rng).queue(&cfgs[i], true)]++
		}
		maxc := 0
		for _, c := range counts {
			maxc = max(maxc, c)
		}
		if r := float64(maxc) / (float64(n) / float64(cores)); r > maxOverMean {
			t.Errorf("port %d: max/mean = %.4f > %.2f over %d flows (counts %v)", i, r, maxOverMean, n, counts)
		} else {
			t.Logf("port %d: max/mean %.4f", i, r)
		}
	}
}

func TestSolveCatalog(t *testing.T) {
	for _, prof := range []string{"generic", "e810"} {
		p, err := LookupProfile(prof)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range catalog {
			t.Run(prof+"/"+tc.name, func(t *testing.T) {
				sol, err := Solve(p, 2, tc.cs, 1)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range sol.Ports {
					if r.Rank != p.Bits() {
						t.Errorf("port %d: rank %d, want %d", r.Port, r.Rank, p.Bits())
					}
				}
				cfgs, err := sol.WithCores(16)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cfgs {
					if len(c.Key) != p.KeyLen || len(c.RETA) != p.RETASize {
						t.Fatalf("port %d: key %d bytes, RETA %d entries", c.Port, len(c.Key), len(c.RETA))
					}
				}
				checkConstraints(t, cfgs, p.Bits(), tc.cs, 100_000)
				if p.RETASize == 512 {
					checkSpread(t, cfgs, 16, 1_000_000, 1.05)
				}
			})
		}
	}
}

// TestPolicerWholeField is the solver's point (docs/design.md, "Architecture"): with only the RETA
// index bits constrained, a queue that may depend only on the destination
// address is sensitive to its low bits, not just its top 9.
func TestPolicerWholeField(t *testing.T) {
	cs := []Constraint{DependsOn(wan, "policer.go:25: buckets.Find keyed by DstIP", Whole(DstIP))}
	for _, prof := range []string{"generic", "e810"} {
		p, _ := LookupProfile(prof)
		for seed := int64(1); seed <= 3; seed++ {
			sol, err := Solve(p, 2, cs, seed)
			if err != nil {
				t.Fatal(err)
			}
			if got := sol.Ports[wan].Allowed; got != [numFields]uint32{0, 0xffffffff, 0, 0} {
				t.Fatalf("WAN allowed bits %#x, want only DstIP", got)
			}
			cfgs, err := sol.WithCores(16)
			if err != nil {
				t.Fatal(err)
			}
			w := &cfgs[wan]
			// Every value of the low 23 address bits, everything else fixed:
			// with rank b over them each queue gets exactly 2^23/16.
			var counts [16]int
			const hi = 0xc0000000 // 192.0.0.0/9
			for d := uint32(0); d < 1<<23; d++ {
				counts[w.Queue(0x0a000001, hi|d, 1234, 80, true)]++
			}
			for q, c := range counts {
				if c != 1<<19 {
					t.Fatalf("%s seed %d: queue %d gets %d of 2^23 addresses, want %d (counts %v)", prof, seed, q, c, 1<<19, counts)
				}
			}
			// And the queue ignores everything but DstIP.
			if a, b := w.Queue(1, 0x01020304, 1, 2, true), w.Queue(99, 0x01020304, 3, 4, false); a != b {
				t.Fatalf("WAN queue depends on more than DstIP")
			}
		}
	}
}

func TestSolveDeterministic(t *testing.T) {
	p, _ := LookupProfile("x710")
	cs := catalog[1].cs // FW
	a, err := Solve(p, 2, cs, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Solve(p, 2, cs, 42)
	c, _ := Solve(p, 2, cs, 43)
	for i := range a.Configs {
		if !bytes.Equal(a.Configs[i].Key, b.Configs[i].Key) {
			t.Errorf("port %d: same seed, different keys", i)
		}
	}
	if bytes.Equal(a.Configs[0].Key, c.Configs[0].Key) {
		t.Errorf("different seeds gave the same key")
	}
	if !strings.Contains(a.String(), a.Configs[0].KeyHex()) {
		t.Errorf("String() does not show the key:\n%s", a)
	}
}

// TestSolveIsRandom checks that free key bits are actually drawn: over many
// seeds every relevant key bit the constraints leave free takes both values.
func TestSolveIsRandom(t *testing.T) {
	p, _ := LookupProfile("generic")
	cs := catalog[3].cs // Policer
	var ones, zeros [2][16]byte
	for seed := int64(0); seed < 64; seed++ {
		sol, err := Solve(p, 2, cs, seed)
		if err != nil {
			t.Fatal(err)
		}
		for port := range 2 {
			for i := range 16 {
				ones[port][i] |= sol.Configs[port].Key[i]
				zeros[port][i] |= ^sol.Configs[port].Key[i]
			}
		}
	}
	// LAN is unconstrained: every bit varies.
	for i := range 16 {
		if ones[lan][i] != 0xff || zeros[lan][i] != 0xff {
			t.Fatalf("LAN key byte %d never varies in some bit: ones %08b zeros %08b", i, ones[lan][i], zeros[lan][i])
		}
	}
	// WAN: key bits 25..62 and 89..126 are forced to zero (b = 7), the rest
	// vary.
	for j := 0; j < 128; j++ {
		forced := j >= 25 && j <= 62 || j >= 89 && j <= 126
		one := ones[wan][j/8]&(0x80>>(j%8)) != 0
		zero := zeros[wan][j/8]&(0x80>>(j%8)) != 0
		if forced && one {
			t.Errorf("WAN key bit %d should be forced to 0", j)
		}
		if !forced && !(one && zero) {
			t.Errorf("WAN key bit %d should be free", j)
		}
	}
}

func TestSolveInfeasible(t *testing.T) {
	p, _ := LookupProfile("generic")
	fw := catalog[1].cs
	cases := []struct {
		name   string
		cs     []Constraint
		port   int
		reason string
		blamed []string
	}{
		{
			name: "mac key",
			cs: append(append([]Constraint(nil), fw...),
				DependsOn(wan, "dbridge.go:40: macs.Find keyed by EthDst")),
			port: wan, reason: "may depend on no hashed input bit",
			blamed: []string{"dbridge.go:40: macs.Find keyed by EthDst"},
		},
		{
			name: "contradictory pairs",
			cs: []Constraint{
				DependsOn(lan, "x.go:1: unrelated", Whole(SrcIP), Whole(DstIP)),
				Same(lan, []Bits{Whole(DstIP)}, wan, []Bits{Whole(SrcIP)}, "x.go:2: LAN dst = WAN src"),
				Same(lan, []Bits{Whole(DstIP)}, wan, []Bits{Whole(DstIP)}, "x.go:3: LAN dst = WAN dst"),
			},
			port: wan, reason: "may depend on no hashed input bit",
			blamed: []string{"x.go:2: LAN dst = WAN src", "x.go:3: LAN dst = WAN dst"},
		},
		{
			name: "too few bits",
			cs:   []Constraint{DependsOn(lan, "x.go:4: keyed by low port bits", Bits{DstPort, 0x3f})},
			port: lan, reason: "only 6 hashed input bits",
			blamed: []string{"x.go:4: keyed by low port bits"},
		},
		{
			// Enough bits are allowed on both ports, but the pairings chain
			// every column to the zero column of a disallowed bit.
			name: "shifted pairs",
			cs: []Constraint{
				Same(lan, []Bits{Whole(SrcIP)}, wan, []Bits{Whole(SrcIP)}, "x.go:5: equal"),
				DependsOn(wan, "x.go:6: unrelated", Whole(SrcIP), Whole(DstIP)),
				Same(lan, []Bits{{SrcIP, 0xfffffffe}}, wan, []Bits{{SrcIP, 0x7fffffff}}, "x.go:7: shifted by one"),
			},
			reason: "force hash bit(s)",
			blamed: []string{"x.go:5: equal", "x.go:7: shifted by one"},
			port:   -1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sol, err := Solve(p, 2, tc.cs, 1)
			if err == nil {
				t.Fatalf("feasible: %v", sol)
			}
			var ie *InfeasibleError
			if !errors.As(err, &ie) || !IsInfeasible(err) {
				t.Fatalf("error %v is not an *InfeasibleError", err)
			}
			if tc.port >= 0 && ie.Port != tc.port {
				t.Errorf("blames port %d, want %d", ie.Port, tc.port)
			}
			if !strings.Contains(ie.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", ie.Reason, tc.reason)
			}
			var got []string
			for _, c := range ie.Blamed {
				got = append(got, c.Why)
			}
			if strings.Join(got, "|") != strings.Join(tc.blamed, "|") {
				t.Errorf("blamed %q, want %q", got, tc.blamed)
			}
			for _, w := range tc.blamed {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error text does not quote %q:\n%v", w, err)
				}
			}
			t.Log(err)
		})
	}
}

func TestSolveBadInput(t *testing.T) {
	p, _ := LookupProfile("generic")
	cases := []struct {
		name  string
		p     Profile
		ports int
		cs    []Constraint
		want  string
	}{
		{"no ports", p, 0, nil, "ports"},
		{"bad profile", Profile{Name: "x", KeyLen: 8, RETASize: 128, Fields: HashIPv4All}, 2, nil, "key length"},
		{"bad reta", Profile{Name: "x", KeyLen: 40, RETASize: 100, Fields: HashIPv4All}, 2, nil, "power of two"},
		{"port range", p, 2, []Constraint{DependsOn(2, "", Whole(SrcIP))}, "out of range"},
		{"other port range", p, 2, []Constraint{Same(0, []Bits{Whole(SrcIP)}, -1, []Bits{Whole(SrcIP)}, "")}, "out of range"},
		{"zero kind", p, 2, []Constraint{{Port: 0, Fields: []Bits{Whole(SrcIP)}}}, "invalid kind"},
		{"bad field", p, 2, []Constraint{DependsOn(0, "", Bits{Field(9), 1})}, "invalid field"},
		{"wide mask", p, 2, []Constraint{DependsOn(0, "", Bits{SrcPort, 0x10000})}, "beyond"},
		{"length mismatch", p, 2, []Constraint{Same(0, tuple, 1, tuple[:2], "")}, "paired with"},
		{"ignore bad field", p, 2, []Constraint{Ignores(0, "", Bits{Field(9), 1})}, "invalid field"},
		{"popcount mismatch", p, 2, []Constraint{Same(0, []Bits{Whole(SrcIP)}, 1, []Bits{Whole(SrcPort)}, "")}, "bits"},
	}
	for _, tc := range cases {
		_, err := Solve(tc.p, tc.ports, tc.cs, 1)
		if err == nil || IsInfeasible(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want a plain error mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckDetectsViolation(t *testing.T) {
	p, _ := LookupProfile("generic")
	for _, tc := range catalog[1:] {
		sol, err := Solve(p, 2, tc.cs, 5)
		if err != nil {
			t.Fatal(err)
		}
		keys := [][]byte{sol.Configs[0].Key, sol.Configs[1].Key}
		if err := Check(keys, p.RETASize, tc.cs); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Flipping a key bit that a constraint pins must be caught.
		port := tc.cs[len(tc.cs)-1].Port
		if tc.cs[len(tc.cs)-1].Kind == SameQueue {
			port = tc.cs[len(tc.cs)-1].OtherPort
		}
		caught := 0
		for j := 32 - p.Bits(); j < 127; j++ {
			bad := [][]byte{bytes.Clone(keys[0]), bytes.Clone(keys[1])}
			bad[port][j/8] ^= 0x80 >> (j % 8)
			if Check(bad, p.RETASize, tc.cs) != nil {
				caught++
			}
		}
		if caught == 0 {
			t.Errorf("%s: no single key-bit flip on port %d was detected", tc.name, port)
		}
	}
	if err := Check([][]byte{make([]byte, 4)}, 128, nil); err == nil {
		t.Error("Check accepted a short key")
	}
}

func TestConstraintHelpers(t *testing.T) {
	if s := Prefix(SrcIP, 24).String(); s != "SrcIP/24" {
		t.Errorf("Prefix(SrcIP,24) = %s", s)
	}
	if m := Prefix(SrcIP, 28).Mask; m != 0xfffffff0 {
		t.Errorf("Prefix(SrcIP,28).Mask = %#x", m)
	}
	if s := (Bits{DstPort, 0x00f0}).String(); s != "DstPort&0x00f0" {
		t.Errorf("got %s", s)
	}
	if s := Whole(DstPort).String(); s != "DstPort" {
		t.Errorf("got %s", s)
	}
	c := Ignores(1, "why", Whole(SrcIP), Whole(SrcPort), Bits{DstPort, 0xff00})
	want := []Bits{Whole(DstIP), {DstPort, 0x00ff}}
	if len(c.Fields) != 2 || c.Fields[0] != want[0] || c.Fields[1] != want[1] || c.Kind != DependsOnly {
		t.Errorf("Ignores = %v, want DependsOnly %v", c, want)
	}
	if s := Same(0, tuple, 1, reversed, "fw").String(); s != "port 0 (SrcIP,DstIP,SrcPort,DstPort) SameQueue port 1 (DstIP,SrcIP,DstPort,SrcPort) [fw]" {
		t.Errorf("String = %s", s)
	}
	if Field(7).String() != "Field(7)" || Kind(0).String() != "Kind(0)" {
		t.Error("invalid values should format as Field(n)/Kind(n)")
	}
}
