package rss

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The field sets follow DPDK's ice driver (ice_refine_hash_cfg_l234).
func TestHashFieldsHashed(t *testing.T) {
	S, D, Sp, Dp := FieldSet(1<<SrcIP), FieldSet(1<<DstIP), FieldSet(1<<SrcPort), FieldSet(1<<DstPort)
	for _, c := range []struct {
		f    HashFields
		want FieldSet
	}{
		{HashIPv4All, AllFields},
		{HashIPv4, S | D},
		{HashIPv4TCP, AllFields},
		{HashIPv4All | HashL3SrcOnly, S},
		{HashIPv4All | HashL3DstOnly, D},
		{HashIPv4All | HashL4SrcOnly, Sp},
		{HashIPv4All | HashL4DstOnly, Dp},
		{HashIPv4All | HashL3DstOnly | HashL4DstOnly, D | Dp},
		{HashIPv4All | HashL3SrcOnly | HashL4DstOnly, S | Dp},
		{HashIPv4All | HashL3SrcOnly | HashL3DstOnly, AllFields},          // both flags of a layer: neither
		{HashIPv4All | HashL4SrcOnly | HashL4DstOnly, AllFields},          // idem
		{HashIPv4All | HashL3SrcOnly | HashL3DstOnly | HashL4SrcOnly, Sp}, // L3 pair cleared, L4 alone drops L3
		{HashIPv4 | HashL3DstOnly, D},
	} {
		if got := c.f.Hashed(); got != c.want {
			t.Errorf("%v: hashes %v, want %v", c.f, got, c.want)
		}
	}
	f, err := ParseHashFields("ipv4-tcp,ipv4-udp,ipv4,l3-dst-only,l4-dst-only")
	if err != nil || f != HashIPv4All|HashL3DstOnly|HashL4DstOnly || f.String() != "ipv4-tcp,ipv4-udp,ipv4,l3-dst-only,l4-dst-only" {
		t.Errorf("parse: %v %v", f, err)
	}
}

func TestFieldsFor(t *testing.T) {
	e810, _ := LookupProfile("e810")
	ixgbe, _ := LookupProfile("82599")
	for _, c := range []struct {
		p    Profile
		need FieldSet
		want FieldSet
	}{
		{e810, 1 << DstIP, 1 << DstIP},
		{e810, 1<<SrcIP | 1<<SrcPort, 1<<SrcIP | 1<<SrcPort},
		{e810, 1 << DstPort, 1 << DstPort},
		{e810, 1<<SrcIP | 1<<DstIP, AllFields}, // no flag selects the 2-tuple of TCP
		{e810, AllFields, AllFields},
		{ixgbe, 1 << DstIP, AllFields}, // whole tuples only
	} {
		f := c.p.FieldsFor(c.need)
		if got := f.Hashed(); got != c.want {
			t.Errorf("%s needs %v: hashes %v (%v), want %v", c.p.Name, c.need, got, f, c.want)
		}
		if f&^c.p.Fields != 0 {
			t.Errorf("%s: %v is beyond what the profile supports", c.p.Name, f)
		}
	}
}

// packed builds the input a NIC with field set s hashes, independently of
// layout: the selected fields concatenated in network byte order.
func packed(s FieldSet, src, dst uint32, sp, dp uint16) []byte {
	var in []byte
	if s.Has(SrcIP) {
		in = append(in, byte(src>>24), byte(src>>16), byte(src>>8), byte(src))
	}
	if s.Has(DstIP) {
		in = append(in, byte(dst>>24), byte(dst>>16), byte(dst>>8), byte(dst))
	}
	if s.Has(SrcPort) {
		in = append(in, byte(sp>>8), byte(sp))
	}
	if s.Has(DstPort) {
		in = append(in, byte(dp>>8), byte(dp))
	}
	return in
}

// The table-driven hasher and Config.Queue compute, for every field set,
// the Toeplitz hash of the selected fields concatenated.
func TestHasherFieldsMatchesToeplitz(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	sets := []HashFields{HashIPv4All, HashIPv4}
	for _, c := range selectable {
		sets = append(sets, HashIPv4All|c.only)
	}
	for _, f := range sets {
		key := randomKey(rng, 52)
		h, err := NewHasherFields(key, f)
		if err != nil {
			t.Fatal(err)
		}
		slow := Config{Key: key, Fields: f, RETA: RoundRobin(512, 16)}
		fast := slow
		if err := fast.Prepare(); err != nil {
			t.Fatal(err)
		}
		for range 200 {
			src, dst := rng.Uint32(), rng.Uint32()
			sp, dp := uint16(rng.Uint32()), uint16(rng.Uint32())
			want := Toeplitz(key, packed(f.Hashed(), src, dst, sp, dp))
			if got := h.Hash4(src, dst, sp, dp); got != want {
				t.Fatalf("%v: Hash4 %#x, Toeplitz of the selected fields %#x", f, got, want)
			}
			want2 := Toeplitz(key, packed(f.Hashed()&addrFields, src, dst, 0, 0))
			if got := fast.Hash(src, dst, sp, dp, false); got != want2 {
				t.Fatalf("%v: hash without ports %#x, want %#x", f, got, want2)
			}
			if a, b := slow.Queue(src, dst, sp, dp, true), fast.Queue(src, dst, sp, dp, true); a != b {
				t.Fatalf("%v: slow queue %d, fast %d", f, a, b)
			}
		}
	}
}

// With field selection every allowed field of the catalog's one-field ports
// spreads clustered traffic at every core count, where the whole 4-tuple
// could not; where a constraint makes it impossible the certificate says
// which.
func TestClusteredSpreadCatalog(t *testing.T) {
	e810, _ := LookupProfile("e810")
	for _, nf := range catalog {
		sol, err := Solve(e810, 2, nf.cs, 1)
		if err != nil {
			t.Fatalf("%s: %v", nf.name, err)
		}
		cfgs := make([][]Config, SpreadBits+1)
		for j := 1; j <= SpreadBits; j++ {
			if cfgs[j], err = sol.WithCores(1 << j); err != nil {
				t.Fatal(err)
			}
		}
		for pi, r := range sol.Ports {
			for _, fs := range r.Spread {
				if !fs.Clustered(SpreadBits) {
					if fs.Limit == "" || !strings.Contains(fs.Limit, "because of") {
						t.Errorf("%s port %d %v: certificate %v names no reason", nf.name, r.Port, fs.Field, fs)
					}
					continue
				}
				// Measure: the low 8 bits of the field vary, the rest is fixed.
				for j := 1; j <= SpreadBits; j++ {
					load := make([]int, 1<<j)
					for v := range uint32(256) {
						x := [numFields]uint32{0x0a010200, 0xc0a80100, 40000, 443}
						x[fs.Field] = x[fs.Field]&^0xff | v
						load[cfgs[j][pi].Queue(x[0], x[1], uint16(x[2]), uint16(x[3]), true)]++
					}
					for q, n := range load {
						if n != 256>>j { // full rank: exactly uniform
							t.Errorf("%s port %d %v: %d cores: core %d gets %d of a /24, certificate %v", nf.name, r.Port, fs.Field, 1<<j, q, n, fs)
						}
					}
				}
			}
		}
		switch nf.name {
		case "NAT", "Policer", "PSD", "NATports":
			for _, r := range sol.Ports {
				for _, fs := range r.Spread {
					if !fs.Clustered(SpreadBits) && sol.Configs[r.Port].Fields.Hashed() != AllFields {
						t.Errorf("%s port %d: %v does not spread although the port hashes only %v", nf.name, r.Port, fs, sol.Configs[r.Port].Fields.Hashed())
					}
				}
			}
		}
	}
}
