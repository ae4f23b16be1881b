package rss

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// HashFields is a set of packet types a port hashes, as configured on the NIC
// (DPDK's RTE_ETH_RSS_* flags, ethtool's rx-flow-hash).
type HashFields uint8

// Hash field sets. HashIPv4TCP and HashIPv4UDP hash the 4-tuple of
// unfragmented TCP and UDP packets; HashIPv4 hashes the 2-tuple of every other
// IPv4 packet (ICMP, fragments, and TCP/UDP when their flag is off).
//
// The *Only flags narrow the tuple to named fields, as DPDK's
// RTE_ETH_RSS_L3_SRC_ONLY, L3_DST_ONLY, L4_SRC_ONLY and L4_DST_ONLY do on
// i40e, ice and mlx5 (ethtool's rx-flow-hash field sets); HashFields.Hashed
// gives the fields they leave.
const (
	HashIPv4TCP HashFields = 1 << iota
	HashIPv4UDP
	HashIPv4
	HashL3SrcOnly
	HashL3DstOnly
	HashL4SrcOnly
	HashL4DstOnly
)

// HashOnly is every *Only flag.
const HashOnly = HashL3SrcOnly | HashL3DstOnly | HashL4SrcOnly | HashL4DstOnly

// HashIPv4All is every IPv4 hash field set, the configuration Solve emits.
const HashIPv4All = HashIPv4TCP | HashIPv4UDP | HashIPv4

var hashFieldNames = []struct {
	f    HashFields
	name string
}{{HashIPv4TCP, "ipv4-tcp"}, {HashIPv4UDP, "ipv4-udp"}, {HashIPv4, "ipv4"},
	{HashL3SrcOnly, "l3-src-only"}, {HashL3DstOnly, "l3-dst-only"}, {HashL4SrcOnly, "l4-src-only"}, {HashL4DstOnly, "l4-dst-only"}}

// String formats f as a comma-separated list, e.g. "ipv4-tcp,ipv4-udp,ipv4"
// or "ipv4-tcp,ipv4-udp,ipv4,l3-dst-only" (testpmd's names; "" for none).
func (f HashFields) String() string {
	var parts []string
	for _, n := range hashFieldNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
		}
	}
	if rest := f &^ (HashIPv4All | HashOnly); rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint8(rest)))
	}
	return strings.Join(parts, ",")
}

// ParseHashFields parses the format of HashFields.String.
func ParseHashFields(s string) (HashFields, error) {
	var f HashFields
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
next:
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		for _, n := range hashFieldNames {
			if p == n.name {
				f |= n.f
				continue next
			}
		}
		return 0, fmt.Errorf("rss: unknown hash field %q (valid: ipv4-tcp, ipv4-udp, ipv4, l3-src-only, l3-dst-only, l4-src-only, l4-dst-only)", p)
	}
	return f, nil
}

// HashesPorts reports whether a port configured with f hashes the L4 ports of
// an unfragmented IPv4 packet of IP protocol proto (6 TCP, 17 UDP). When it
// does not, the NIC hashes the 2-tuple.
func (f HashFields) HashesPorts(proto uint8) bool {
	switch proto {
	case 6:
		return f&HashIPv4TCP != 0
	case 17:
		return f&HashIPv4UDP != 0
	}
	return false
}

// Profile describes what a NIC model lets us configure.
type Profile struct {
	Name        string     // short name, as accepted by LookupProfile
	Description string     // the NIC and the driver it is known by
	KeyLen      int        // Toeplitz key length in bytes
	RETASize    int        // redirection table entries (a power of two)
	Fields      HashFields // hash field sets the NIC supports
	// Select says the NIC can narrow the hash input to named fields
	// (HashL3SrcOnly and the other *Only flags; see FieldSet).
	Select bool
}

// Bits returns log2(p.RETASize): how many low hash bits index the RETA.
func (p Profile) Bits() int { return bits.Len(uint(p.RETASize)) - 1 }

// Validate reports whether p is usable by Solve.
func (p Profile) Validate() error {
	if p.KeyLen < MinKeyLen {
		return fmt.Errorf("rss: profile %q: key length %d is shorter than the %d bytes the IPv4 4-tuple hash reads", p.Name, p.KeyLen, MinKeyLen)
	}
	if p.RETASize < 2 || p.RETASize > 1<<16 || p.RETASize&(p.RETASize-1) != 0 {
		return fmt.Errorf("rss: profile %q: RETA size %d is not a power of two in [2, 65536]", p.Name, p.RETASize)
	}
	if p.Fields&HashIPv4 == 0 {
		return fmt.Errorf("rss: profile %q: does not hash IPv4", p.Name)
	}
	return nil
}

// The known profiles. Key lengths and RETA sizes are the NICs' (as their DPDK
// drivers report them: hash_key_size and reta_size). The 82599 (ixgbe)
// hashes whole tuples only; i40e, ice and mlx5 accept the *Only flags.
var profiles = []Profile{
	{Name: "generic", Description: "any RSS NIC with a Microsoft-compatible 40-byte key and a 128-entry RETA", KeyLen: 40, RETASize: 128, Fields: HashIPv4All},
	{Name: "82599", Description: "Intel 82599 / X520 (ixgbe)", KeyLen: 40, RETASize: 128, Fields: HashIPv4All},
	{Name: "x710", Description: "Intel X710 / XL710 (i40e)", KeyLen: 52, RETASize: 512, Fields: HashIPv4All | HashOnly, Select: true},
	{Name: "e810", Description: "Intel E810 (ice)", KeyLen: 52, RETASize: 512, Fields: HashIPv4All | HashOnly, Select: true},
	{Name: "cx5", Description: "NVIDIA Mellanox ConnectX-5 (mlx5)", KeyLen: 40, RETASize: 512, Fields: HashIPv4All | HashOnly, Select: true},
}

// Profiles returns the known NIC profiles, sorted by name. The slice is a
// copy.
func Profiles() []Profile {
	ps := append([]Profile(nil), profiles...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

// ProfileNames returns the names LookupProfile accepts, sorted.
func ProfileNames() []string {
	var names []string
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return names
}

// LookupProfile returns the profile called name (case-insensitive).
func LookupProfile(name string) (Profile, error) {
	for _, p := range profiles {
		if strings.EqualFold(p.Name, strings.TrimSpace(name)) {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("rss: unknown NIC profile %q (valid: %s)", name, strings.Join(ProfileNames(), ", "))
}
