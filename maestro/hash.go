package maestro

import (
	"hash/maphash"
	"math/bits"
	"reflect"
	"unsafe"
)

// Hashing of container keys.
//
// Packets are attacker-controlled, and so are most keys: a hash whose
// collisions an attacker can predict turns every lookup into a walk of one
// long probe chain (hash flooding). Every container hash is therefore the
// runtime's own map hash, reached through package hash/maphash: AES-based
// where the CPU has AES (a keyed hash whose collisions depend on the seed),
// and the same seeded fallback Go's maps use elsewhere. There is no
// collision that holds whatever the seed, for any key size. The multiply-xor
// mixer used before had one: for keys of 16 bytes or more whose first 8
// bytes equalled a mixing constant, it returned one value for every seed.
//
// How a key type is hashed is decided once, when a container is built,
// never per operation:
//
//   - Keys whose memory fully determines equality (integers, booleans, MAC,
//     arrays of those, and structs of those without padding, such as
//     FlowID, whose blank field fills what would be padding) are hashed
//     straight from their bytes with maphash.Bytes: one call into the
//     runtime's memhash, no allocation, no walk of the type.
//   - Every other comparable key (strings, floats, pointers, interfaces,
//     structs with padding) uses maphash.Comparable, the runtime's hasher
//     for the type: correct for every comparable type (it skips padding and
//     treats +0 and -0 alike) and allocation-free, but slower because the
//     type's hasher walks its fields.
//
//   - Raw keys of exactly one or two machine words (uint64, FlowID) are
//     hashed from those words, read as words, by a keyed multiply-mix
//     (wordHash): four 64-bit secrets drawn at random per container, XORed
//     into the words before the 64x64->128-bit multiplications that mix
//     them. No call, no memory but the key's own words: for the keys of the
//     hot path of most NFs this is a few cycles instead of a runtime call,
//     and a key that was just built in registers and stored as words is
//     read back through store forwarding, where a 16-byte load of two
//     8-byte stores would stall. Each word is XORed with a secret before it
//     is multiplied, so no word value an attacker can choose without the
//     secrets zeroes a product (the flaw of the old mixer, whose first
//     word was multiplied unkeyed): there is no collision that holds
//     whatever the seed.
//
// The classification uses package reflect once at construction; hashing
// never does. Each index draws its own random seed, so that what collides
// in one container (or one run) tells nothing about another. Sketches are
// the exception: a CountMin's estimates depend on which keys collide, so
// every CountMin of a process hashes with one seed, sketchSeed, drawn at
// random when the process starts. A parallel NF's sketches (one per core,
// or one shared under locks) then answer exactly as the sequential NF's of
// the same shape would, which is what lock-mode replays and the
// differential tests compare, and collisions still stay unpredictable from
// outside the process. Sharing the seed costs no flooding resistance: a
// sketch has no chains, a collision only inflates an estimate, and which
// keys collide still depends on a secret seed.
//
// The hash is the first line of defence; keyIndex bounds its probe chains
// as the second (see probeLimit).

// keyHasher hashes keys of type K.
type keyHasher[K comparable] struct {
	raw   bool
	words uintptr // 1 or 2 for a raw key of that many 64-bit words, else 0
	size  uintptr
	seed  maphash.Seed
	sec   [4]uint64 // wordHash's secrets
}

// sketchSeed seeds every CountMin's hasher (see above).
var sketchSeed = maphash.MakeSeed()

// newKeyHasher returns a hasher with a fresh random seed.
func newKeyHasher[K comparable]() keyHasher[K] { return seededKeyHasher[K](maphash.MakeSeed()) }

// seededKeyHasher returns a hasher seeded with ms.
func seededKeyHasher[K comparable](ms maphash.Seed) keyHasher[K] {
	var zero K
	h := keyHasher[K]{
		raw:  rawHashable(reflect.TypeFor[K]()),
		size: unsafe.Sizeof(zero),
		seed: ms,
	}
	if h.raw && (h.size == 8 || h.size == 16) && unsafe.Alignof(zero) == 8 {
		h.words = h.size / 8
		// The secrets derive from the seed, so that a hasher is a
		// function of its seed alone (sketches share one).
		for i := range h.sec {
			h.sec[i] = maphash.Comparable(ms, uint64(i)) | 1
		}
	}
	return h
}

// rawHashable reports whether equality of values of t is equality of their
// bytes: no padding, no floats, no pointers, strings or interfaces.
func rawHashable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	case reflect.Array:
		return rawHashable(t.Elem())
	case reflect.Struct:
		var sum uintptr
		for i := range t.NumField() {
			f := t.Field(i)
			// Blank fields are ignored by ==, but they are always zero:
			// they cannot be named in composite literals or assigned, so
			// only package unsafe could set them.
			if !rawHashable(f.Type) {
				return false
			}
			sum += f.Type.Size()
		}
		return sum == t.Size()
	}
	return false
}

// hash returns k's hash: word keys by wordHash, other raw keys by
// maphash.Bytes over their memory rather than maphash.Comparable (for
// structs and arrays Comparable calls the type's generated hasher, which
// hashes field runs one by one, about twice as slow as one memhash of the
// whole key), the rest by maphash.Comparable.
func (h *keyHasher[K]) hash(k *K) uint64 {
	if h.words != 0 {
		return h.hashWords(k)
	}
	return h.hashMem(k)
}

// hashWords is hash for word keys (h.words != 0). Hash itself, which also
// calls hashMem, is too big for the compiler to inline; this is not, so
// the hot lookups (find, prefetch) test h.words themselves and get the
// word hash inlined rather than two calls deep.
func (h *keyHasher[K]) hashWords(k *K) uint64 {
	a := *(*uint64)(unsafe.Pointer(k))
	var b uint64
	if h.words == 2 {
		b = *(*uint64)(unsafe.Add(unsafe.Pointer(k), 8))
	}
	return wordHash(a, b, &h.sec)
}

// hashMem hashes the keys that are not words, through the runtime.
func (h *keyHasher[K]) hashMem(k *K) uint64 {
	if h.raw {
		return maphash.Bytes(h.seed, unsafe.Slice((*byte)(unsafe.Pointer(k)), h.size))
	}
	return maphash.Comparable(h.seed, *k)
}

// wordHash mixes a key of one or two words (b is 0 for one) with the
// secrets sec: each word is XORed with a secret and the two are multiplied
// into 128 bits, folded by XOR; a second multiplication with the other
// secrets spreads every input bit over the low bits, which pick the slot.
func wordHash(a, b uint64, sec *[4]uint64) uint64 {
	hi, lo := bits.Mul64(a^sec[0], b^sec[1])
	hi, lo = bits.Mul64(hi^lo^sec[2], sec[3])
	return hi ^ lo
}
