package lb

import (
	"encoding/binary"

	"github.com/cespare/xxhash/v2"
)

// Maglev's two hashes of a backend's name (its IP): permOffset gives the
// backend's first preferred slot, permSkip its step through the ring. Both
// are xxhash's 64-bit hash of the address followed by one byte telling the
// two apart, which gives Maglev the two independent hash functions it asks
// for from one fast hash.
//
// xxhash is not flood-resistant, which is fine here. Backend addresses come
// from heartbeats on the trusted LAN side, never from clients. The hashes
// are unkeyed and fixed on purpose, so that a replay or a parallel balancer
// computes the same ring as the sequential one. And no choice of addresses
// makes a rebuild cost more: the ring size is prime, so every backend's walk
// is a full cycle of it whatever its skip. Client flows, which an attacker
// chooses, go through flowHash and the keyed flow Table instead.
//
// The input stays on the stack (Sum64 does not let it escape), so a
// rebuild still allocates nothing.

// permOffset returns the hash Maglev reduces to a backend's offset.
func permOffset(ip uint32) uint64 { return permHash(ip, 'o') }

// permSkip returns the hash Maglev reduces to a backend's skip.
func permSkip(ip uint32) uint64 { return permHash(ip, 's') }

func permHash(ip uint32, which byte) uint64 {
	var b [5]byte
	binary.LittleEndian.PutUint32(b[:4], ip)
	b[4] = which
	return xxhash.Sum64(b[:])
}
