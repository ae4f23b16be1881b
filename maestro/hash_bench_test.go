package maestro

import (
	"math/rand/v2"
	"testing"
)

// benchHash hashes a different pseudo-random key of type K each iteration,
// read sequentially from a small ring so that only the hash is measured.
func benchHash[K comparable](b *testing.B, fill func(r *rand.Rand, k *K)) {
	h := newKeyHasher[K]()
	r := rand.New(rand.NewPCG(5, 6))
	keys := make([]K, 1024)
	for i := range keys {
		fill(r, &keys[i])
	}
	var sink uint64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sink += h.hash(&keys[i&1023])
	}
	if sink == 1 {
		b.Log(sink) // keep sink alive
	}
}

// BenchmarkHashKey measures the container hash per key for the common raw
// key sizes: 4 (an IPv4 address), 8, 13 (a packed 5-tuple, the general
// path) and 16 bytes (FlowID).
func BenchmarkHashKey(b *testing.B) {
	b.Run("4B", func(b *testing.B) { benchHash(b, func(r *rand.Rand, k *uint32) { *k = r.Uint32() }) })
	b.Run("8B", func(b *testing.B) { benchHash(b, func(r *rand.Rand, k *uint64) { *k = r.Uint64() }) })
	b.Run("13B", func(b *testing.B) {
		benchHash(b, func(r *rand.Rand, k *[13]byte) {
			for i := range k {
				k[i] = byte(r.Uint32())
			}
		})
	})
	b.Run("16B", func(b *testing.B) {
		benchHash(b, func(r *rand.Rand, k *FlowID) {
			*k = MakeFlowID(r.Uint32(), r.Uint32(), uint16(r.Uint32()), 80, ProtoUDP)
		})
	})
}
