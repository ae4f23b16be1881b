package rss

import (
	"fmt"
	"math/bits"
	"strings"
)

// Field is one field of the RSS hash input.
type Field uint8

// The hashed fields, in the order they appear in the hash input.
const (
	SrcIP   Field = iota // IPv4 source address (32 bits)
	DstIP                // IPv4 destination address (32 bits)
	SrcPort              // L4 source port (16 bits)
	DstPort              // L4 destination port (16 bits)
)

// numFields is the number of hashed fields.
const numFields = 4

var fieldNames = [numFields]string{"SrcIP", "DstIP", "SrcPort", "DstPort"}

// String returns the field's Go name, e.g. "SrcIP".
func (f Field) String() string {
	if f < numFields {
		return fieldNames[f]
	}
	return fmt.Sprintf("Field(%d)", uint8(f))
}

// Width is the field's width in bits: 32 for addresses, 16 for ports, 0 for
// an invalid field.
func (f Field) Width() int {
	switch f {
	case SrcIP, DstIP:
		return 32
	case SrcPort, DstPort:
		return 16
	}
	return 0
}

// FullMask is the mask selecting every bit of the field.
func (f Field) FullMask() uint32 {
	return uint32(uint64(1)<<f.Width() - 1)
}

// offset is the input bit number of the field's most significant bit.
func (f Field) offset() int {
	return [numFields]int{0, 32, 64, 80}[f]
}

// inputBit returns the hash input bit number of bit m (0 = least significant)
// of the field's host-order value.
func (f Field) inputBit(m int) int {
	return f.offset() + f.Width() - 1 - m
}

// Bits selects bits of one field. Mask is in the field's host-order value
// (addresses 32 bits, ports 16 bits): a /24 prefix of SrcIP is
// {SrcIP, 0xffffff00}.
type Bits struct {
	Field Field
	Mask  uint32
}

// Whole selects every bit of f.
func Whole(f Field) Bits { return Bits{f, f.FullMask()} }

// Prefix selects the n most significant bits of f (an address prefix /n when
// f is an address). n is clamped to [0, f.Width()].
func Prefix(f Field, n int) Bits {
	w := f.Width()
	n = min(max(n, 0), w)
	return Bits{f, f.FullMask() &^ uint32(uint64(1)<<(w-n)-1)}
}

// String formats b as "SrcIP", "SrcIP/24" (a prefix) or "SrcIP&0x0000fff0".
func (b Bits) String() string {
	w := b.Field.Width()
	switch {
	case w == 0:
		return fmt.Sprintf("%v&%#x", b.Field, b.Mask)
	case b.Mask == b.Field.FullMask():
		return b.Field.String()
	case b.Mask != 0 && b.Mask&^b.Field.FullMask() == 0 && b == Prefix(b.Field, bits.OnesCount32(b.Mask)):
		return fmt.Sprintf("%v/%d", b.Field, bits.OnesCount32(b.Mask))
	}
	return fmt.Sprintf("%v&0x%0*x", b.Field, w/4, b.Mask)
}

func (b Bits) validate() error {
	w := b.Field.Width()
	if w == 0 {
		return fmt.Errorf("invalid field %v", b.Field)
	}
	if b.Mask&^b.Field.FullMask() != 0 {
		return fmt.Errorf("mask %#x of %v has bits beyond its %d-bit width", b.Mask, b.Field, w)
	}
	return nil
}

// positions returns the hash input bit numbers selected by b, from the
// field's least significant selected bit upwards. Pairing two Bits of equal
// popcount position by position pairs bits of equal rank, so {SrcIP, /24}
// pairs with {DstIP, /24} address bit by address bit.
func (b Bits) positions(dst []int) []int {
	for m := 0; m < b.Field.Width(); m++ {
		if b.Mask&(1<<m) != 0 {
			dst = append(dst, b.Field.inputBit(m))
		}
	}
	return dst
}

// Kind is the kind of a Constraint.
type Kind uint8

// Constraint kinds. The zero Kind is invalid so that a Constraint left
// unfilled is reported rather than silently read as one of them.
const (
	// DependsOnly: the queue of Port depends on no hashed input bit outside
	// Fields.
	DependsOnly Kind = iota + 1
	// SameQueue: packets on Port and OtherPort whose Fields and OtherFields
	// are equal component-wise reach the same queue.
	SameQueue
)

// String returns "DependsOnly" or "SameQueue".
func (k Kind) String() string {
	switch k {
	case DependsOnly:
		return "DependsOnly"
	case SameQueue:
		return "SameQueue"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Constraint is one requirement on the RSS configuration, stated over the
// hashed fields.
//
// DependsOnly{Port, Fields}: the queue of Port depends on no hashed input bit
// outside Fields. With no Fields at all, the queue may depend on nothing,
// which no spreading configuration satisfies (the analyzer emits this for
// keys on MAC addresses or keys with no packet field).
//
// SameQueue{Port i, Fields F, OtherPort j, OtherFields G}: for any packet x
// on port i and y on port j with F(x) == G(y) component-wise (F[k]'s selected
// bits of x equal G[k]'s selected bits of y, paired from the least
// significant selected bit up), the low b hash bits of x under port i's key
// equal those of y under port j's key, so both reach the same core. i == j is
// allowed. By linearity this forces port i's hash to depend only on F and
// port j's only on G, and paired bits to contribute equally.
type Constraint struct {
	Kind   Kind   // DependsOnly or SameQueue
	Port   int    // input port this constrains
	Fields []Bits // DependsOnly: the only bits the queue may depend on; SameQueue: Port's side
	// OtherPort is SameQueue's second port (may equal Port).
	OtherPort int
	// OtherFields is SameQueue's side on OtherPort: the same length as Fields
	// and, component by component, masks of the same popcount.
	OtherFields []Bits
	// Why is the human reason, usually "file.go:12: flows.Find keyed by ...";
	// infeasibility reports quote it to blame the code that caused it.
	Why string
}

// DependsOn returns the constraint "the queue of port depends only on fields".
func DependsOn(port int, why string, fields ...Bits) Constraint {
	return Constraint{Kind: DependsOnly, Port: port, Fields: fields, Why: why}
}

// Ignores returns the constraint "the queue of port does not depend on
// ignored", expressed as DependsOnly on the complement of ignored.
func Ignores(port int, why string, ignored ...Bits) Constraint {
	var keep [numFields]uint32
	for f := Field(0); f < numFields; f++ {
		keep[f] = f.FullMask()
	}
	c := Constraint{Kind: DependsOnly, Port: port, Why: why, Fields: []Bits{}}
	for _, b := range ignored {
		if b.Field < numFields {
			keep[b.Field] &^= b.Mask
		} else {
			c.Fields = append(c.Fields, b) // keep it so that Validate reports it
		}
	}
	for f := Field(0); f < numFields; f++ {
		if keep[f] != 0 {
			c.Fields = append(c.Fields, Bits{f, keep[f]})
		}
	}
	return c
}

// Same returns the constraint "packets on port whose fields equal other's
// otherFields on otherPort reach the same queue".
func Same(port int, fields []Bits, otherPort int, otherFields []Bits, why string) Constraint {
	return Constraint{Kind: SameQueue, Port: port, Fields: fields, OtherPort: otherPort, OtherFields: otherFields, Why: why}
}

// String formats c for people, e.g.
// "port 1 DependsOnly(DstIP)" or "port 0 (SrcIP,DstIP) SameQueue port 1 (DstIP,SrcIP)",
// followed by Why in brackets when set.
func (c Constraint) String() string {
	var s string
	switch c.Kind {
	case SameQueue:
		s = fmt.Sprintf("port %d (%s) SameQueue port %d (%s)", c.Port, joinBits(c.Fields), c.OtherPort, joinBits(c.OtherFields))
	default:
		s = fmt.Sprintf("port %d %v(%s)", c.Port, c.Kind, joinBits(c.Fields))
	}
	if c.Why != "" {
		s += " [" + c.Why + "]"
	}
	return s
}

func joinBits(bs []Bits) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.String()
	}
	return strings.Join(parts, ",")
}

// Validate reports whether c is well formed for a NIC with the given number
// of ports.
func (c Constraint) Validate(ports int) error {
	if err := c.validate(ports); err != nil {
		return fmt.Errorf("rss: constraint %v: %w", c, err)
	}
	return nil
}

func (c Constraint) validate(ports int) error {
	if c.Port < 0 || c.Port >= ports {
		return fmt.Errorf("port %d out of range [0,%d)", c.Port, ports)
	}
	for _, b := range c.Fields {
		if err := b.validate(); err != nil {
			return err
		}
	}
	switch c.Kind {
	case DependsOnly:
		if len(c.OtherFields) != 0 {
			return fmt.Errorf("DependsOnly has OtherFields")
		}
	case SameQueue:
		if c.OtherPort < 0 || c.OtherPort >= ports {
			return fmt.Errorf("other port %d out of range [0,%d)", c.OtherPort, ports)
		}
		if len(c.Fields) != len(c.OtherFields) {
			return fmt.Errorf("%d Fields paired with %d OtherFields", len(c.Fields), len(c.OtherFields))
		}
		for k, b := range c.OtherFields {
			if err := b.validate(); err != nil {
				return err
			}
			if p, q := bits.OnesCount32(c.Fields[k].Mask), bits.OnesCount32(b.Mask); p != q {
				return fmt.Errorf("component %d pairs %v (%d bits) with %v (%d bits)", k, c.Fields[k], p, b, q)
			}
		}
	default:
		return fmt.Errorf("invalid kind %v", c.Kind)
	}
	return nil
}

// inputSet is a set of hash input bits (bit t of the 96-bit input is bit t%64
// of word t/64).
type inputSet [2]uint64

var allInputs = inputSet{^uint64(0), 1<<(inputBits-64) - 1}

// ipInputs are the input bits a NIC hashes for IPv4 packets without L4 ports.
var ipInputs = inputSet{^uint64(0), 0}

func (s *inputSet) add(t int)     { s[t/64] |= 1 << (t % 64) }
func (s inputSet) has(t int) bool { return s[t/64]&(1<<(t%64)) != 0 }
func (s inputSet) and(o inputSet) inputSet {
	return inputSet{s[0] & o[0], s[1] & o[1]}
}
func (s inputSet) count() int { return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) }

// fieldMask returns the host-order mask of field f's bits in s.
func (s inputSet) fieldMask(f Field) uint32 {
	var m uint32
	for i := 0; i < f.Width(); i++ {
		if s.has(f.inputBit(i)) {
			m |= 1 << i
		}
	}
	return m
}

func setOf(bs []Bits) inputSet {
	var s inputSet
	var pos []int
	for _, b := range bs {
		pos = b.positions(pos[:0])
		for _, t := range pos {
			s.add(t)
		}
	}
	return s
}

// restricts returns, for each side of c (Port, then OtherPort for SameQueue),
// the set of input bits c allows that port's queue to depend on.
func (c Constraint) restricts() (port int, set inputSet, other int, otherSet inputSet, two bool) {
	if c.Kind == SameQueue {
		return c.Port, setOf(c.Fields), c.OtherPort, setOf(c.OtherFields), true
	}
	return c.Port, setOf(c.Fields), 0, inputSet{}, false
}
