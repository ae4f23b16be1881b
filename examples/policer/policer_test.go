package policer

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

const (
	sec    = int64(time.Second)
	size   = 100 // bytes per test frame
	client = 0x0a000001
	server = 0xc6336401
)

func send(t *testing.T, pl *Policer, in maestro.Port, src, dst uint32, now int64) maestro.Verdict {
	t.Helper()
	data := maestro.AppendFrame(nil, maestro.Frame{SrcIP: src, DstIP: dst, Proto: maestro.ProtoUDP, SrcPort: 53, DstPort: 4000, Size: size})
	var p maestro.Packet
	p.Reset(data, in, now)
	return pl.Process(&p)
}

// burst sends n WAN packets to dst at time now and returns how many passed.
func burst(t *testing.T, pl *Policer, dst uint32, n int, now int64) int {
	t.Helper()
	passed := 0
	for range n {
		if send(t, pl, WAN, server, dst, now) == maestro.Forward(LAN) {
			passed++
		}
	}
	return passed
}

func TestLANPasses(t *testing.T) {
	pl := New(Config{Rate: 1, Burst: 1})
	for i := range 100 {
		if v := send(t, pl, LAN, client, server, int64(i)); v != maestro.Forward(WAN) {
			t.Fatalf("LAN packet %d: %v", i, v)
		}
	}
	if pl.buckets.Len() != 0 {
		t.Errorf("LAN traffic created buckets")
	}
}

func TestBurstThenDropThenRefill(t *testing.T) {
	pl := New(Config{Rate: 10_000, Burst: 1_000}) // 10 packets of burst, 100 packets/s
	if got := burst(t, pl, client, 15, 0); got != 10 {
		t.Errorf("fresh bucket passed %d of 15, want the burst of 10", got)
	}
	// 50ms earn 500 bytes: 5 packets.
	if got := burst(t, pl, client, 10, 50*int64(time.Millisecond)); got != 5 {
		t.Errorf("after 50ms passed %d, want 5", got)
	}
	// Refill is capped at the burst, however long the idle time.
	if got := burst(t, pl, client, 20, 5*sec); got != 10 {
		t.Errorf("after a long idle passed %d, want the burst of 10", got)
	}
	// Another destination has its own bucket.
	if got := burst(t, pl, client+1, 20, 5*sec); got != 10 {
		t.Errorf("second destination passed %d, want 10", got)
	}
}

func TestSustainedRateIsExact(t *testing.T) {
	// 1 MB/s and a packet every 100ns: each packet earns a tenth of a
	// byte. Rounding credit to whole bytes would never refill; the exact
	// bucket passes one 100-byte packet per 100µs.
	pl := New(Config{Rate: 1_000_000, Burst: size})
	if got := burst(t, pl, client, 2, 0); got != 1 {
		t.Fatalf("burst passed %d, want 1", got)
	}
	passed := 0
	for i := 1; i <= 10_000; i++ { // 1ms
		if send(t, pl, WAN, server, client, int64(i)*100) == maestro.Forward(LAN) {
			passed++
		}
	}
	if passed != 10 {
		t.Errorf("1ms at 1MB/s passed %d packets of %d bytes, want 10", passed, size)
	}
}

func TestPacketLargerThanBurst(t *testing.T) {
	pl := New(Config{Rate: 1_000_000, Burst: size - 1})
	if got := burst(t, pl, client, 3, 0); got != 0 {
		t.Errorf("packets above the burst size passed: %d", got)
	}
}

func TestFullTableDropsNewDestinations(t *testing.T) {
	pl := New(Config{Capacity: 2})
	if burst(t, pl, client, 1, 0)+burst(t, pl, client+1, 1, 0) != 2 {
		t.Fatal("first destinations dropped")
	}
	if got := burst(t, pl, client+2, 1, 0); got != 0 {
		t.Errorf("untracked destination passed while the table is full")
	}
	if got := burst(t, pl, client, 1, 0); got != 1 {
		t.Errorf("tracked destination dropped while the table is full")
	}
}

func TestExpiryStartsFull(t *testing.T) {
	pl := New(Config{Rate: 1, Burst: 1_000, Timeout: time.Second}) // refills in 1000s
	burst(t, pl, client, 10, 0)
	if got := burst(t, pl, client, 1, sec-1); got != 0 {
		t.Fatalf("empty bucket passed before expiry")
	}
	// Idle for the timeout: the entry is forgotten, the next packet finds a
	// new, full bucket.
	if got := burst(t, pl, client, 20, 2*sec); got != 10 {
		t.Errorf("after expiry passed %d, want 10", got)
	}
}

func TestValidate(t *testing.T) {
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero config: %v", err)
	}
	if err := (Config{Burst: MaxBurst + 1}).Validate(); err == nil {
		t.Errorf("huge burst accepted")
	}
}

func BenchmarkProcess(b *testing.B) {
	const flows = 40000
	r := rand.New(rand.NewPCG(1, 2))
	type flow struct{ src, dst uint32 }
	fs := make([]flow, flows)
	for i := range fs {
		fs[i] = flow{r.Uint32(), r.Uint32()}
	}
	// WAN traffic to 40,000 destinations (one in eight packets from the LAN).
	order := benchtrace.UniformOrder(r, flows, 2)
	tr := benchtrace.New(len(order), func(i int) (maestro.Frame, maestro.Port) {
		f := fs[order[i]]
		if r.IntN(8) == 0 {
			return maestro.Frame{SrcIP: f.dst, DstIP: f.src, Proto: maestro.ProtoUDP, SrcPort: 2000, DstPort: 1000, Size: 60}, LAN
		}
		return maestro.Frame{SrcIP: f.src, DstIP: f.dst, Proto: maestro.ProtoUDP, SrcPort: 1000, DstPort: 2000, Size: 60}, WAN
	})
	tr.Run(b, New(Config{}))
}
