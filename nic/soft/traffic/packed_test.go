package traffic

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"runtime"
	"testing"

	"github.com/nfmaestro/maestro/nic/soft"
)

// packedCases are traces that exercise every path of Packed: size mixes,
// hostile events (several frames per draw, other lengths), heartbeats,
// churn, times too far apart for a record (a slow rate, a late start) and
// data beyond the first block's estimate.
func packedCases() map[string]Config {
	mix := small()
	mix.Proto = Mix
	mix.Sizes = IMIX
	mix.Churn = 1e5
	mix.Hostile = 0.3
	mix.Kinds = AllKinds

	beats := small()
	beats.Inbound = true
	beats.Heartbeat = 0.1
	beats.Sizes = []int{64, 1518}

	slow := small()
	slow.Rate = 0.1                  // 10 s between packets: beyond a record's 4.29 s
	slow.Start = 1_700_000_000 * 1e9 // the first frame's time is far from 0

	big := small()
	big.Packets = 5000
	big.Hostile = 0.5 // events of longer frames than the 60-byte estimate
	big.Sizes = []int{64}

	empty := small()
	empty.Packets = 0

	return map[string]Config{"mix": mix, "beats": beats, "slow": slow, "big": big, "empty": empty, "default": small()}
}

// TestPackedMatchesSource: a Packed trace replays exactly the frames the
// streaming Source makes, port, time and bytes, twice over (readers are
// independent), and the cases do reach every path.
func TestPackedMatchesSource(t *testing.T) {
	blocks, far := false, false
	for name, c := range packedCases() {
		p, err := GeneratePacked(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Len() != c.Packets {
			t.Errorf("%s: %d frames, want %d", name, p.Len(), c.Packets)
		}
		blocks = blocks || len(p.blocks) > 1
		far = far || len(p.far) > 1
		for pass := range 2 {
			s, err := NewSource(c)
			if err != nil {
				t.Fatal(err)
			}
			r := p.Reader()
			if r.Ports() != s.Ports() {
				t.Fatalf("%s: %d ports, source %d", name, r.Ports(), s.Ports())
			}
			var data int64
			for i := 0; ; i++ {
				want, werr := s.Next()
				got, gerr := r.Next()
				if werr != gerr {
					t.Fatalf("%s pass %d frame %d: error %v, source %v", name, pass, i, gerr, werr)
				}
				if werr == io.EOF {
					break
				}
				if got.Port != want.Port || got.Time != want.Time || got.Len != want.Len || !bytes.Equal(got.Data, want.Data) {
					t.Fatalf("%s pass %d frame %d: port %d time %d len %d (%d bytes), source port %d time %d len %d (%d bytes), or bytes differ",
						name, pass, i, got.Port, got.Time, got.Len, len(got.Data), want.Port, want.Time, want.Len, len(want.Data))
				}
				if cap(got.Data) != len(got.Data) {
					t.Fatalf("%s frame %d: capacity %d beyond its %d bytes: an append would overwrite the next frame", name, i, cap(got.Data), len(got.Data))
				}
				data += int64(len(got.Data))
			}
			if data != p.DataBytes() {
				t.Errorf("%s: replayed %d bytes, DataBytes says %d", name, data, p.DataBytes())
			}
		}
	}
	if !blocks || !far {
		t.Errorf("no case used several blocks (%v) or far times (%v)", blocks, far)
	}
}

// TestPackedBytesExact: for one frame size and no hostile traffic, the
// estimate nfrun budgets with is what the trace holds.
func TestPackedBytesExact(t *testing.T) {
	c := small()
	p, err := GeneratePacked(c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.DataBytes()+8*int64(p.Len()), PackedBytes(c); got != want {
		t.Errorf("holds %d bytes of data and records, PackedBytes says %d", got, want)
	}
	if len(p.blocks) != 1 || cap(p.blocks[0]) != len(p.blocks[0]) {
		t.Errorf("%d blocks, the first %d of %d bytes used; want one, exactly sized", len(p.blocks), len(p.blocks[0]), cap(p.blocks[0]))
	}
}

// TestPackedHeapPerFrame bounds what holding a generated trace costs: the
// live heap it adds is at most its frames' bytes plus 8 bytes per frame
// and a small allowance (a soft.Trace adds 48), and the bytes allocated
// while building it, garbage included (the generator's flow table, its
// buffers), stay within a few bytes more per frame.
func TestPackedHeapPerFrame(t *testing.T) {
	c := DefaultConfig()
	c.Packets = 300_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := GeneratePacked(c)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	frame := float64(p.DataBytes()) / float64(p.Len())
	live := float64(after.HeapAlloc-before.HeapAlloc) / float64(p.Len())
	total := float64(after.TotalAlloc-before.TotalAlloc) / float64(p.Len())
	t.Logf("frame %.1f B, live heap %.1f B/frame, allocated %.1f B/frame", frame, live, total)
	if live > frame+8+2 {
		t.Errorf("the trace holds %.1f bytes per %.0f-byte frame, want at most %.0f", live, frame, frame+10)
	}
	// The race detector's instrumentation allocates too; the live bound
	// above holds either way.
	if total > frame+8+16 && !raceEnabled {
		t.Errorf("building the trace allocated %.1f bytes per %.0f-byte frame, want at most %.0f", total, frame, frame+24)
	}
	runtime.KeepAlive(p)
}

// traceHash is the SHA-256 of every frame's port, time and bytes.
func traceHash(t *testing.T, src soft.Source) string {
	h := sha256.New()
	var hdr [10]byte
	for {
		f, err := src.Next()
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil))
		}
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint16(hdr[:], uint16(f.Port))
		binary.LittleEndian.PutUint64(hdr[2:], uint64(f.Time))
		h.Write(hdr[:])
		h.Write(f.Data)
	}
}

// TestTrafficUnchanged pins the generated bytes: nfrun's default traffic
// (100,000 packets of it) and a trace with every feature on hash to what
// the generator made before Packed existed (commit e3a4550), whichever
// way the trace is held.
func TestTrafficUnchanged(t *testing.T) {
	def := DefaultConfig()
	def.Packets = 100_000
	mix := packedCases()["mix"]
	for _, tc := range []struct {
		name string
		c    Config
		want string
	}{
		{"default", def, "2e43dc03764217209f5d4cfaad3e58429553ef7b267020834f58dafd443b45c8"},
		{"mix", mix, "41bee8513a5ac811b82376e276ed7893d9a0a5d48c9fe31adf97073906b18a9f"},
	} {
		s, err := NewSource(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Generate(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		p, err := GeneratePacked(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		for how, src := range map[string]soft.Source{"streamed": s, "Generate": tr.Reader(), "GeneratePacked": p.Reader()} {
			if got := traceHash(t, src); got != tc.want {
				t.Errorf("%s, %s: SHA-256 %s, want %s", tc.name, how, got, tc.want)
			}
		}
	}
}

// TestPackedReaderAllocs: replaying a Packed trace allocates nothing.
func TestPackedReaderAllocs(t *testing.T) {
	p, err := GeneratePacked(packedCases()["slow"])
	if err != nil {
		t.Fatal(err)
	}
	r := p.Reader()
	allocs := testing.AllocsPerRun(p.Len()-1, func() {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("PackedReader.Next: %v allocations per frame, want 0", allocs)
	}
}

// BenchmarkGeneratePacked reports, besides the time, the bytes allocated
// per frame: compare with BenchmarkGenerate.
func BenchmarkGeneratePacked(b *testing.B) {
	defer reportBytesPerFrame(b, 100000)()
	c := DefaultConfig()
	c.Packets = 100000
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GeneratePacked(c); err != nil {
			b.Fatal(err)
		}
	}
}

// reportBytesPerFrame starts counting allocated bytes; the function it
// returns reports them per frame of a benchmark whose op makes packets
// frames, as B/frame.
func reportBytesPerFrame(b *testing.B, packets int) func() {
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	return func() {
		var ms1 runtime.MemStats
		runtime.ReadMemStats(&ms1)
		b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/float64(packets), "B/frame")
	}
}
