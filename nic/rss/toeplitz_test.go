package rss

import (
	"encoding/hex"
	"math/rand/v2"
	"testing"
)

// msKey is the key of Microsoft's RSS verification suite.
const msKey = "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ip(a, b, c, d byte) uint32 { return uint32(a)<<24 | uint32(b)<<16 | uint32(c)<<8 | uint32(d) }

// msVectors are the IPv4 cases of Microsoft's "Verifying the RSS Hash
// Calculation".
var msVectors = []struct {
	src, dst         uint32
	sport, dport     uint16
	withPorts, noPts uint32
}{
	{ip(66, 9, 149, 187), ip(161, 142, 100, 80), 2794, 1766, 0x51ccc178, 0x323e8fc2},
	{ip(199, 92, 111, 2), ip(65, 69, 140, 83), 14230, 4739, 0xc626b0ea, 0xd718262a},
	{ip(24, 19, 198, 95), ip(12, 22, 207, 184), 12898, 38024, 0x5c2b394a, 0xd2d0a5de},
	{ip(38, 27, 205, 30), ip(209, 142, 163, 6), 48228, 2217, 0xafc7327f, 0x82989176},
	{ip(153, 39, 163, 191), ip(202, 188, 127, 2), 44251, 1303, 0x10e828a2, 0x5d1809c5},
}

func input4(s, d uint32, sp, dp uint16) []byte {
	return []byte{byte(s >> 24), byte(s >> 16), byte(s >> 8), byte(s), byte(d >> 24), byte(d >> 16), byte(d >> 8), byte(d),
		byte(sp >> 8), byte(sp), byte(dp >> 8), byte(dp)}
}

func TestToeplitzVectors(t *testing.T) {
	key := mustHex(t, msKey)
	if ip(66, 9, 149, 187) != 0x420995bb {
		t.Fatal("ip() helper is wrong")
	}
	h, err := NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range msVectors {
		in := input4(v.src, v.dst, v.sport, v.dport)
		if got := Toeplitz(key, in); got != v.withPorts {
			t.Errorf("Toeplitz 4-tuple %08x->%08x: got %#08x, want %#08x", v.src, v.dst, got, v.withPorts)
		}
		if got := Toeplitz(key, in[:8]); got != v.noPts {
			t.Errorf("Toeplitz 2-tuple %08x->%08x: got %#08x, want %#08x", v.src, v.dst, got, v.noPts)
		}
		if got := h.Hash4(v.src, v.dst, v.sport, v.dport); got != v.withPorts {
			t.Errorf("Hash4 %08x->%08x: got %#08x, want %#08x", v.src, v.dst, got, v.withPorts)
		}
		if got := h.Hash2(v.src, v.dst); got != v.noPts {
			t.Errorf("Hash2 %08x->%08x: got %#08x, want %#08x", v.src, v.dst, got, v.noPts)
		}
		c := Config{Key: key, RETA: RoundRobin(128, 128)}
		if got, want := c.Queue(v.src, v.dst, v.sport, v.dport, true), int(v.withPorts&127); got != want {
			t.Errorf("unprepared Config.Queue = %d, want %d", got, want)
		}
		if got, want := c.Queue(v.src, v.dst, v.sport, v.dport, false), int(v.noPts&127); got != want {
			t.Errorf("unprepared Config.Queue without ports = %d, want %d", got, want)
		}
	}
}

func TestHasherMatchesToeplitz(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, klen := range []int{MinKeyLen, 40, 52} {
		key := randomKey(rng, klen)
		h, err := NewHasher(key)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20000; i++ {
			s, d := rng.Uint32(), rng.Uint32()
			sp, dp := uint16(rng.Uint32()), uint16(rng.Uint32())
			in := input4(s, d, sp, dp)
			if got, want := h.Hash4(s, d, sp, dp), Toeplitz(key, in); got != want {
				t.Fatalf("key len %d: Hash4 = %#x, Toeplitz = %#x", klen, got, want)
			}
			if got, want := h.Hash2(s, d), Toeplitz(key, in[:8]); got != want {
				t.Fatalf("key len %d: Hash2 = %#x, Toeplitz = %#x", klen, got, want)
			}
		}
	}
}

// TestKeyBitPosition checks the fact the solver's equations rest on: for a
// single set input bit t, hash bit k is key bit t+31-k.
func TestKeyBitPosition(t *testing.T) {
	key := make([]byte, 40)
	for j := 0; j < 127; j++ {
		clear(key)
		key[j/8] = 0x80 >> (j % 8)
		for tb := 0; tb < inputBits; tb++ {
			in := make([]byte, InputLen)
			in[tb/8] = 0x80 >> (tb % 8)
			h := Toeplitz(key, in)
			for k := 0; k < 32; k++ {
				want := j == tb+31-k
				if got := h&(1<<k) != 0; got != want {
					t.Fatalf("key bit %d, input bit %d: hash bit %d = %v, want %v", j, tb, k, got, want)
				}
			}
			if got := keyPrefix(key).window(tb); got != h {
				t.Fatalf("window(%d) = %#x, Toeplitz = %#x", tb, got, h)
			}
		}
	}
}

func TestToeplitzShortKeyAndZeroInput(t *testing.T) {
	if got := Toeplitz(nil, []byte{0xff, 0xff}); got != 0 {
		t.Errorf("empty key: got %#x, want 0", got)
	}
	key := mustHex(t, msKey)
	if got := Toeplitz(key, make([]byte, InputLen)); got != 0 {
		t.Errorf("zero input: got %#x, want 0 (non-IP packets hash like this)", got)
	}
	// A short key behaves as if padded with zeros.
	in := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	padded := append(append([]byte(nil), key[:10]...), make([]byte, 30)...)
	if a, b := Toeplitz(key[:10], in), Toeplitz(padded, in); a != b {
		t.Errorf("short key %#x != zero-padded key %#x", a, b)
	}
	if _, err := NewHasher(key[:MinKeyLen-1]); err == nil {
		t.Error("NewHasher accepted a key shorter than MinKeyLen")
	}
}

// TestHasherTableIsBitwise: every table entry of a Hasher, for every field
// selection, is the XOR of the key windows of the bits set in its byte
// value, by the definition (the constructor builds entries from each
// other, using linearity).
func TestHasherTableIsBitwise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, f := range []HashFields{0, HashIPv4, HashIPv4TCP | HashL3SrcOnly, HashIPv4UDP | HashL4DstOnly, HashIPv4TCP | HashL3DstOnly | HashL4SrcOnly} {
		key := randomKey(r, 52)
		h, err := NewHasherFields(key, f)
		if err != nil {
			t.Fatal(err)
		}
		l, k := f.layout(), keyPrefix(key)
		for i := range h.t {
			for v := range 256 {
				var want uint32
				for j := range 8 {
					if v&(0x80>>j) != 0 {
						want ^= l.col(k, 8*i+j)
					}
				}
				if h.t[i][v] != want {
					t.Fatalf("fields %v, input byte %d, value %#x: %#x, want %#x", f, i, v, h.t[i][v], want)
				}
			}
		}
	}
}

// randomKey returns an n-byte Toeplitz key drawn from r.
func randomKey(r *rand.Rand, n int) []byte {
	key := make([]byte, n)
	for i := range key {
		key[i] = byte(r.Uint32())
	}
	return key
}
