package maestro

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"reflect"
	"unsafe"
)

// Hashing of container keys.
//
// Keys are any comparable type. How a key type is hashed is decided once, when
// a container is built, never per operation:
//
//   - Keys whose memory fully determines equality (integers, booleans, MAC,
//     arrays of those, and structs of those without padding, such as
//     FlowID, whose blank field fills what would be padding) are hashed straight from their bytes
//     with a multiply-xor mixer in the style of wyhash: one or two 64-bit
//     multiplications for the usual 4- to 16-byte keys, a few nanoseconds,
//     no allocation.
//   - Every other comparable key (strings, floats, pointers, interfaces,
//     structs with padding) uses hash/maphash.Comparable, the runtime's own
//     map hasher: correct for every comparable type (it skips padding and
//     treats +0 and -0 alike) and allocation-free, but slower because it
//     walks the type.
//
// The classification uses package reflect once at construction; hashing
// never does. Each index draws its own random seed so that an adversary
// who knows one NF's layout cannot precompute colliding keys across runs.
// Sketches are the exception: a CountMin's estimates depend on which keys
// collide, so every CountMin of a process hashes with one seed, drawn at
// random when the process starts. A parallel NF's sketch then answers
// exactly as the sequential NF's of the same shape would, and collisions
// stay unpredictable from outside the process.

const (
	mixP0 = 0xa0761d6478bd642f
	mixP1 = 0xe7037ed1a0b428db
	mixP2 = 0x8ebc6af09c88c6e3
)

// n*mixP0 (mod 2^64) for the key lengths rawHash handles inline.
const (
	mixLen4  = 0x81d87591e2f590bc
	mixLen8  = 0x03b0eb23c5eb2178
	mixLen16 = 0x0761d6478bd642f0
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// keyHasher hashes keys of type K.
type keyHasher[K comparable] struct {
	raw   bool
	size  uintptr
	seed  uint64
	mseed maphash.Seed
}

// sketchSeed seeds every CountMin's hasher (see above).
var sketchSeed = maphash.MakeSeed()

// newKeyHasher returns a hasher with a fresh random seed.
func newKeyHasher[K comparable]() keyHasher[K] { return seededKeyHasher[K](maphash.MakeSeed()) }

// seededKeyHasher returns a hasher seeded with ms.
func seededKeyHasher[K comparable](ms maphash.Seed) keyHasher[K] {
	var zero K
	return keyHasher[K]{
		raw:   rawHashable(reflect.TypeFor[K]()),
		size:  unsafe.Sizeof(zero),
		seed:  maphash.Comparable(ms, uint64(0x5eed)),
		mseed: ms,
	}
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

func (h *keyHasher[K]) hash(k *K) uint64 {
	if h.raw {
		return rawHash(unsafe.Pointer(k), h.size, h.seed)
	}
	return maphash.Comparable(h.mseed, *k)
}

// rawHash hashes the n bytes at p. The common key sizes (4, 8, 16 bytes:
// addresses, MAC-sized and 5-tuple keys) take straight-line paths; the
// general loop handles the rest. All paths mix with the same function, so
// the result only depends on the bytes, the length and the seed.
func rawHash(p unsafe.Pointer, n uintptr, seed uint64) uint64 {
	switch n {
	case 4:
		a := uint64(*(*uint32)(p))
		return mix(mixP2^4, mix(a^mixP1, a^seed^mixLen4))
	case 8:
		a := *(*uint64)(p)
		return mix(mixP2^8, mix(a^mixP1, a^seed^mixLen8))
	case 16:
		a, c := *(*uint64)(p), *(*uint64)(unsafe.Add(p, 8))
		h := mix(a^mixP1, c^seed^mixLen16)
		return mix(mixP2^16, mix(a^mixP1, c^h))
	}
	return rawHashBytes(unsafe.Slice((*byte)(p), n), seed)
}

// rawHashBytes is rawHash for any length.
func rawHashBytes(b []byte, seed uint64) uint64 {
	n := uint64(len(b))
	h := seed ^ n*mixP0
	for len(b) >= 16 {
		h = mix(binary.LittleEndian.Uint64(b)^mixP1, binary.LittleEndian.Uint64(b[8:])^h)
		b = b[16:]
	}
	var a, c uint64
	switch {
	case len(b) >= 8:
		a = binary.LittleEndian.Uint64(b)
		c = binary.LittleEndian.Uint64(b[len(b)-8:])
	case len(b) >= 4:
		a = uint64(binary.LittleEndian.Uint32(b))
		c = uint64(binary.LittleEndian.Uint32(b[len(b)-4:]))
	case len(b) > 0:
		a = uint64(b[0])<<16 | uint64(b[len(b)>>1])<<8 | uint64(b[len(b)-1])
	}
	return mix(mixP2^n, mix(a^mixP1, c^h))
}
