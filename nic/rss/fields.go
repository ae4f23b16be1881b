package rss

import "strings"

// Field selection: which fields a port hashes.
//
// A NIC configured with the *Only flags hashes a narrower input. What it
// hashes follows DPDK's ice driver (drivers/net/ice/ice_hash.c,
// ice_refine_hash_cfg_l234), which the i40e and mlx5 drivers match for the
// IPv4 cases used here:
//
//   - both flags of one layer (L3_SRC_ONLY|L3_DST_ONLY) mean neither
//     (rte_eth_rss_hf_refine clears them);
//   - L3_SRC_ONLY keeps the source address and drops the destination,
//     L3_DST_ONLY the reverse; likewise L4_SRC_ONLY and L4_DST_ONLY for ports;
//   - an L3 flag without an L4 flag drops the L4 ports altogether, and an L4
//     flag without an L3 flag drops both addresses.
//
// The selected fields are concatenated in the standard order (source
// address, destination address, source port, destination port) with nothing
// in place of the dropped ones, as the Microsoft RSS specification builds the
// 2-tuple input (addresses only, no zero ports) and as the NICs' field
// vectors extract them: a port hashing only the destination address feeds
// it to the Toeplitz hash as input bytes 0..3. Packets hashed without ports
// (HashFields.HashesPorts false) hash the selected addresses only.
//
// Ports come last in every layout, so the hash of a packet without ports is
// still the hash of its 4-tuple with zero ports: the RSS contract of
// maestro.Packet holds with any field set.

// FieldSet is a set of hashed fields: bit f is Field f.
type FieldSet uint8

// AllFields is the whole 4-tuple.
const AllFields FieldSet = 1<<numFields - 1

// addrFields are the fields hashed for packets without L4 ports.
const addrFields FieldSet = 1<<SrcIP | 1<<DstIP

// Has reports whether f is in s.
func (s FieldSet) Has(f Field) bool { return f < numFields && s&(1<<f) != 0 }

// String lists the fields, e.g. "SrcIP,DstPort" ("none" when empty).
func (s FieldSet) String() string {
	var parts []string
	for f := Field(0); f < numFields; f++ {
		if s.Has(f) {
			parts = append(parts, f.String())
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// Hashed returns the fields a port configured with f hashes in a packet that
// has L4 ports and whose type f hashes with ports (see the package comment on
// field selection). Packets hashed without ports hash Hashed() &^ ports.
func (f HashFields) Hashed() FieldSet {
	l3, l4 := f&(HashL3SrcOnly|HashL3DstOnly), f&(HashL4SrcOnly|HashL4DstOnly)
	if l3 == HashL3SrcOnly|HashL3DstOnly {
		l3 = 0
	}
	if l4 == HashL4SrcOnly|HashL4DstOnly {
		l4 = 0
	}
	var s FieldSet
	switch {
	case l3 == HashL3SrcOnly:
		s |= 1 << SrcIP
	case l3 == HashL3DstOnly:
		s |= 1 << DstIP
	case l4 == 0:
		s |= addrFields
	}
	switch {
	case l4 == HashL4SrcOnly:
		s |= 1 << SrcPort
	case l4 == HashL4DstOnly:
		s |= 1 << DstPort
	case l3 == 0:
		s |= 1<<SrcPort | 1<<DstPort
	}
	if f&(HashIPv4TCP|HashIPv4UDP) == 0 {
		s &= addrFields // no type hashes ports
	}
	return s
}

// selectable lists the field sets a NIC with *Only flags can hash, with the
// flags that select them (added to the packet types). No flag selects the
// 2-tuple for TCP and UDP packets, nor three fields.
var selectable = []struct {
	s    FieldSet
	only HashFields
}{
	{1 << SrcIP, HashL3SrcOnly},
	{1 << DstIP, HashL3DstOnly},
	{1 << SrcPort, HashL4SrcOnly},
	{1 << DstPort, HashL4DstOnly},
	{1<<SrcIP | 1<<SrcPort, HashL3SrcOnly | HashL4SrcOnly},
	{1<<SrcIP | 1<<DstPort, HashL3SrcOnly | HashL4DstOnly},
	{1<<DstIP | 1<<SrcPort, HashL3DstOnly | HashL4SrcOnly},
	{1<<DstIP | 1<<DstPort, HashL3DstOnly | HashL4DstOnly},
}

// FieldsFor returns the hash configuration of profile p that hashes the
// fewest fields covering need (every field the queue may depend on): a
// narrower input leaves key bits free that would otherwise be pinned to
// zero to ignore the excluded fields, so every allowed field can spread.
// Without field selection (p.Select false), or when no selectable set
// covers need (the 2-tuple, three fields), it is the whole 4-tuple of every
// IPv4 type, HashIPv4All, and the key alone must ignore what it must.
func (p Profile) FieldsFor(need FieldSet) HashFields {
	best, bestN := HashIPv4All, popcount(AllFields)
	if p.Select {
		for _, c := range selectable {
			if n := popcount(c.s); c.s&need == need && n < bestN {
				best, bestN = HashIPv4All|c.only, n
			}
		}
	}
	return best
}

func popcount(s FieldSet) int {
	n := 0
	for ; s != 0; s &= s - 1 {
		n++
	}
	return n
}

// layout maps the 96 logical input bits (the fields at their places in the
// full 4-tuple, as Bits and constraints number them) to the input bits the
// NIC actually hashes for one field set: phys[t] is the position of logical
// bit t in the concatenated input, or -1 if the field is not hashed.
type layout struct {
	set  FieldSet
	phys [inputBits]int8
}

// fullLayout hashes the whole 4-tuple in place.
var fullLayout = layouts[AllFields]

func newLayout(s FieldSet) *layout {
	l := &layout{set: s}
	off := 0
	for f := Field(0); f < numFields; f++ {
		for i := 0; i < f.Width(); i++ {
			l.phys[f.offset()+i] = -1
			if s.Has(f) {
				l.phys[f.offset()+i] = int8(off + i)
			}
		}
		if s.Has(f) {
			off += f.Width()
		}
	}
	return l
}

// col returns the hash bits logical input bit t contributes under key k: the
// key window at its position in the concatenated input, or 0 if its field is
// not hashed.
func (l *layout) col(k key128, t int) uint32 {
	if p := l.phys[t]; p >= 0 {
		return k.window(int(p))
	}
	return 0
}

// input builds the bytes a NIC with this layout hashes for a packet with
// ports (addresses and ports in host byte order): the hashed fields,
// concatenated in network byte order.
func (l *layout) input(dst []byte, srcIP, dstIP uint32, srcPort, dstPort uint16) []byte {
	v := [numFields]uint32{srcIP, dstIP, uint32(srcPort), uint32(dstPort)}
	for f := Field(0); f < numFields; f++ {
		if !l.set.Has(f) {
			continue
		}
		for i := f.Width()/8 - 1; i >= 0; i-- {
			dst = append(dst, byte(v[f]>>(8*i)))
		}
	}
	return dst
}

// layouts caches the layout of every field set.
var layouts = func() (ls [AllFields + 1]*layout) {
	for s := range ls {
		ls[s] = newLayout(FieldSet(s))
	}
	return ls
}()

// layout returns the layout of the fields f hashes for packets with ports
// (f == 0 counts as HashIPv4All).
func (f HashFields) layout() *layout {
	if f == 0 {
		f = HashIPv4All
	}
	return layouts[f.Hashed()]
}
