package rss

import "fmt"

// InputLen is the length in bytes of the IPv4 4-tuple hash input: source
// address, destination address, source port, destination port.
const InputLen = 12

// inputBits is the number of bits of the 4-tuple hash input.
const inputBits = 8 * InputLen

// MinKeyLen is the shortest key that covers every window the IPv4 4-tuple
// hash reads: the last input bit (95) reads key bits 95..126.
const MinKeyLen = (inputBits + 31 + 7) / 8

// Toeplitz returns the Toeplitz hash of input under key, computed one input
// bit at a time. It is the reference the faster Hasher is tested against.
//
// Key bits past the end of key read as zero, so a key shorter than
// len(input)+4 bytes hashes as if padded with zeros (NICs require keys long
// enough that this never happens; MinKeyLen is enough for IPv4).
func Toeplitz(key, input []byte) uint32 {
	keyBit := func(i int) uint32 {
		if i/8 >= len(key) {
			return 0
		}
		return uint32(key[i/8]>>(7-i%8)) & 1
	}
	// window holds key bits t..t+31 for the current input bit t, key bit t
	// in the most significant position.
	var window uint32
	for i := 0; i < 32; i++ {
		window = window<<1 | keyBit(i)
	}
	var hash uint32
	for t := 0; t < 8*len(input); t++ {
		if input[t/8]&(0x80>>(t%8)) != 0 {
			hash ^= window
		}
		window = window<<1 | keyBit(t+32)
	}
	return hash
}

// Hasher is a Toeplitz hasher for the IPv4 2- and 4-tuple, built once per
// key. It precomputes, for each of the 12 input bytes and each of its 256
// values, the XOR of the key windows of its set bits, so a hash is 12 table
// lookups (12 KiB of tables, which stay in L1 cache on a busy core). A Hasher
// is immutable and safe for concurrent use.
type Hasher struct {
	t [InputLen][256]uint32
}

// NewHasher builds a Hasher for key, which must be at least MinKeyLen bytes
// long (NIC keys are 40 or 52 bytes); bytes past MinKeyLen do not affect IPv4
// hashes.
func NewHasher(key []byte) (*Hasher, error) {
	return newHasher(key, fullLayout)
}

// NewHasherFields is NewHasher for a port configured with hash fields f,
// which may narrow the input (HashL3SrcOnly and the other *Only flags, or
// HashIPv4 alone for the 2-tuple): Hash4 then returns what such a NIC
// computes, the hash of the selected fields concatenated, and ignores the
// others. f == 0 means HashIPv4All.
func NewHasherFields(key []byte, f HashFields) (*Hasher, error) {
	return newHasher(key, f.layout())
}

func newHasher(key []byte, l *layout) (*Hasher, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("rss: key is %d bytes, the IPv4 4-tuple hash needs at least %d", len(key), MinKeyLen)
	}
	h := new(Hasher)
	k := keyPrefix(key)
	// Table i serves logical input byte i (the full 4-tuple's byte i);
	// under a narrower layout it reads the key windows of the byte's
	// position in the concatenated input, or nothing.
	// The hash is linear over GF(2): the entry for byte value v is the
	// XOR of the entries for its bits. Each single-bit entry is one key
	// window; every other entry is the entry for v without its lowest
	// bit, XOR that bit's (a constructor called for every parallel NF
	// built, which took 8 windows per entry before).
	for i := range h.t {
		t := &h.t[i]
		for j := 0; j < 8; j++ {
			t[0x80>>j] = l.col(k, 8*i+j)
		}
		for v := 1; v < 256; v++ {
			if low := v & -v; low != v {
				t[v] = t[v^low] ^ t[low]
			}
		}
	}
	return h, nil
}

// Hash4 returns the Toeplitz hash of the IPv4 4-tuple. Addresses are in host
// byte order (66.9.149.187 is 0x420995bb), as are the ports.
func (h *Hasher) Hash4(srcIP, dstIP uint32, srcPort, dstPort uint16) uint32 {
	t := &h.t
	// Three independent XOR chains instead of one: the lookups are
	// independent, so this lets the CPU overlap them.
	s := t[0][srcIP>>24] ^ t[1][byte(srcIP>>16)] ^ t[2][byte(srcIP>>8)] ^ t[3][byte(srcIP)]
	d := t[4][dstIP>>24] ^ t[5][byte(dstIP>>16)] ^ t[6][byte(dstIP>>8)] ^ t[7][byte(dstIP)]
	p := t[8][srcPort>>8] ^ t[9][byte(srcPort)] ^ t[10][dstPort>>8] ^ t[11][byte(dstPort)]
	return s ^ d ^ p
}

// Hash2 returns the Toeplitz hash of the IPv4 2-tuple (addresses in host byte
// order), which is what a NIC computes for IPv4 packets it hashes without L4
// ports. It equals Hash4 with both ports zero.
func (h *Hasher) Hash2(srcIP, dstIP uint32) uint32 {
	t := &h.t
	s := t[0][srcIP>>24] ^ t[1][byte(srcIP>>16)] ^ t[2][byte(srcIP>>8)] ^ t[3][byte(srcIP)]
	d := t[4][dstIP>>24] ^ t[5][byte(dstIP>>16)] ^ t[6][byte(dstIP>>8)] ^ t[7][byte(dstIP)]
	return s ^ d
}

// key128 is the first 128 bits of a key, big-endian: key bit 0 is the most
// significant bit of hi. It covers every window the IPv4 4-tuple reads.
type key128 struct{ hi, lo uint64 }

func keyPrefix(key []byte) key128 {
	var k key128
	for i := 0; i < 16; i++ {
		var b uint64
		if i < len(key) {
			b = uint64(key[i])
		}
		if i < 8 {
			k.hi |= b << (56 - 8*i)
		} else {
			k.lo |= b << (56 - 8*(i-8))
		}
	}
	return k
}

// window returns key bits t..t+31 (0 <= t <= 96), key bit t in the most
// significant position: the value XORed into the hash when input bit t is set.
// Its bit k is key bit t+31-k.
func (k key128) window(t int) uint32 {
	// Shift the 128-bit value left by t, then take the top 32 bits.
	hi := k.hi
	switch {
	case t == 0:
	case t < 64:
		hi = k.hi<<t | k.lo>>(64-t)
	default:
		hi = k.lo << (t - 64)
	}
	return uint32(hi >> 32)
}
