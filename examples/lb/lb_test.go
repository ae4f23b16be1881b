package lb

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

const (
	ms  = int64(time.Millisecond)
	sec = int64(time.Second)
	vip = 0xcb007150 // the service address
)

func backendIP(i int) uint32       { return 0x0a010000 | uint32(i) }
func backendMAC(i int) maestro.MAC { return maestro.MAC{0x02, 0, 0, 1, byte(i >> 8), byte(i)} }

func heartbeat(lb *LB, i int, now int64) maestro.Verdict {
	data := maestro.AppendFrame(nil, maestro.Frame{EthSrc: backendMAC(i), EthDst: maestro.MAC{0x02, 0, 0, 0, 0, 1}, SrcIP: backendIP(i), DstIP: vip, Proto: maestro.ProtoUDP, SrcPort: 7777, DstPort: 7777})
	var p maestro.Packet
	p.Reset(data, LAN, now)
	return lb.Process(&p)
}

func clientFrame(flow int) maestro.Frame {
	return maestro.Frame{EthSrc: maestro.MAC{0x02, 0, 0, 0, 0, 9}, EthDst: maestro.MAC{0x02, 0, 0, 0, 0, 1}, SrcIP: 0x64000000 | uint32(flow>>4), DstIP: vip, Proto: maestro.ProtoTCP, SrcPort: 10000 + uint16(flow&15), DstPort: 80, Size: 80}
}

// request sends one client packet of flow and returns the backend it went
// to (-1 if dropped).
func request(t *testing.T, lb *LB, flow int, now int64) int {
	t.Helper()
	f := clientFrame(flow)
	data := maestro.AppendFrame(nil, f)
	var p maestro.Packet
	p.Reset(data, WAN, now)
	v := lb.Process(&p)
	if v == maestro.Drop {
		return -1
	}
	if v != maestro.Forward(LAN) {
		t.Fatalf("flow %d: verdict %v", flow, v)
	}
	// Only the Ethernet destination changes.
	f.EthDst = p.EthDst
	if string(maestro.AppendFrame(nil, f)) != string(data) {
		t.Fatalf("flow %d: bytes beyond the Ethernet destination changed", flow)
	}
	m := p.EthDst
	return int(m[4])<<8 | int(m[5])
}

func TestHeartbeatsAreConsumed(t *testing.T) {
	lb := New(Config{RingSize: 101})
	if v := heartbeat(lb, 1, 0); v != maestro.Drop {
		t.Errorf("heartbeat verdict %v, want drop", v)
	}
	if lb.backends.Len() != 1 {
		t.Errorf("%d backends, want 1", lb.backends.Len())
	}
}

func TestNoBackendDrops(t *testing.T) {
	lb := New(Config{RingSize: 101})
	if b := request(t, lb, 1, 0); b != -1 {
		t.Errorf("balanced to %d with no backend", b)
	}
	heartbeat(lb, 3, 0)
	if b := request(t, lb, 1, 1); b != 3 {
		t.Errorf("only backend 3 alive, flow went to %d", b)
	}
	if b := request(t, lb, 1, 2*sec); b != -1 {
		t.Errorf("backend expired, flow still went to %d", b)
	}
}

func TestBalanceAndPinning(t *testing.T) {
	const backends, flows = 8, 8000
	lb := New(Config{})
	for i := range backends {
		heartbeat(lb, i, 0)
	}
	first := make([]int, flows)
	load := make([]int, backends)
	for f := range flows {
		first[f] = request(t, lb, f, 1)
		load[first[f]]++
	}
	// Maglev gives each backend an almost equal share of the slots; with
	// 8000 flows a share stays well within ±25% of the mean.
	for b, n := range load {
		if n < flows/backends*3/4 || n > flows/backends*5/4 {
			t.Errorf("backend %d got %d of %d flows", b, n, flows)
		}
	}
	// A new backend joins: existing flows stay where they are.
	heartbeat(lb, backends, 2)
	for f := range flows {
		if b := request(t, lb, f, 3); b != first[f] {
			t.Fatalf("flow %d moved from %d to %d when a backend joined", f, first[f], b)
		}
	}
}

func TestDeadBackendMovesOnlyItsFlows(t *testing.T) {
	const backends, flows = 10, 10000
	lb := New(Config{BackendTimeout: time.Second, FlowTimeout: 10 * time.Second})
	for i := range backends {
		heartbeat(lb, i, 0)
	}
	before := make([]int, flows)
	onDead := 0
	const dead = 4
	for f := range flows {
		before[f] = request(t, lb, f, 1)
		if before[f] == dead {
			onDead++
		}
	}
	// Every backend but one keeps sending heartbeats; the dead one expires.
	for i := range backends {
		if i != dead {
			heartbeat(lb, i, 900*ms)
		}
	}
	moved := 0
	for f := range flows {
		b := request(t, lb, f, 1500*ms)
		if b == dead || b < 0 {
			t.Fatalf("flow %d sent to dead backend or dropped: %d", f, b)
		}
		if b != before[f] {
			moved++
			if before[f] != dead {
				t.Errorf("flow %d moved from live backend %d to %d", f, before[f], b)
			}
		}
	}
	t.Logf("disruption: %d of %d flows moved (%.1f%%); %d were on the dead backend", moved, flows, 100*float64(moved)/flows, onDead)
	if moved != onDead {
		t.Errorf("moved %d flows, want exactly the %d on the dead backend", moved, onDead)
	}
	if f := float64(moved) / flows; f > 1.5/backends {
		t.Errorf("disruption %.3f above 1.5/N = %.3f", f, 1.5/backends)
	}
	// Moved flows are pinned to their new backend.
	for f := range flows {
		if b := request(t, lb, f, 1600*ms); before[f] != dead && b != before[f] {
			t.Fatalf("flow %d not pinned", f)
		}
	}
}

// TestMaglevMinimalDisruption checks the consistent-hashing table itself,
// without flow pinning: when one of N backends dies, the slots of the
// others barely change (Maglev's property), so even unpinned (new or
// expired) flows of surviving backends keep their backend.
func TestMaglevMinimalDisruption(t *testing.T) {
	const backends = 20
	lb := New(Config{})
	for i := range backends {
		heartbeat(lb, i, 0)
	}
	m := int(lb.ringSize)
	before := make([]int32, m)
	share := make([]int, backends+1)
	for s := range before {
		before[s] = lb.ring.At(s)
		share[before[s]]++
	}
	for b := range backends {
		if share[b] < m/backends-1 || share[b] > m/backends+1 {
			t.Errorf("backend index %d owns %d slots, want %d±1", b, share[b], m/backends)
		}
	}
	const dead = 7
	for i := range backends {
		if i != dead {
			heartbeat(lb, i, sec/2)
		}
	}
	heartbeat(lb, 0, sec+1) // the dead backend expires: Process rebuilds
	if lb.backends.Len() != backends-1 {
		t.Fatalf("%d backends alive, want %d", lb.backends.Len(), backends-1)
	}
	changed, collateral := 0, 0
	for s := range before {
		after := lb.ring.At(s)
		if after < 0 {
			t.Fatalf("slot %d empty", s)
		}
		if after != before[s] {
			changed++
			if lb.backends.Valid(int(before[s])) {
				collateral++ // a surviving backend lost this slot
			}
		}
	}
	t.Logf("ring: %d of %d slots changed, %d of them taken from surviving backends", changed, m, collateral)
	if float64(collateral)/float64(m) > 0.5/backends {
		t.Errorf("%d slots of surviving backends moved: more than half the dead backend's share", collateral)
	}
}

func TestBackendMACChange(t *testing.T) {
	lb := New(Config{RingSize: 101})
	heartbeat(lb, 1, 0)
	request(t, lb, 5, 1)
	data := maestro.AppendFrame(nil, maestro.Frame{EthSrc: maestro.MAC{0x02, 0, 0, 1, 0, 0x42}, SrcIP: backendIP(1), DstIP: vip, Proto: maestro.ProtoUDP})
	var p maestro.Packet
	p.Reset(data, LAN, 2)
	lb.Process(&p)
	if b := request(t, lb, 5, 3); b != 0x42 {
		t.Errorf("flow sent to MAC ...%02x, want the backend's new MAC", b)
	}
}

func TestNextPrime(t *testing.T) {
	for _, c := range [][2]int{{2, 2}, {4, 5}, {100, 101}, {65536, 65537}, {65537, 65537}} {
		if got := NextPrime(c[0]); got != c[1] {
			t.Errorf("NextPrime(%d) = %d, want %d", c[0], got, c[1])
		}
	}
	if lb := New(Config{RingSize: 1000}); lb.ringSize != 1009 {
		t.Errorf("ring size %d, want 1009", lb.ringSize)
	}
}

func BenchmarkProcess(b *testing.B) {
	const flows, backends = 40000, 16
	r := rand.New(rand.NewPCG(1, 2))
	lb := New(Config{})
	type flow struct {
		src, dst     uint32
		sport, dport uint16
	}
	fs := make([]flow, flows)
	for i := range fs {
		fs[i] = flow{r.Uint32(), vip, uint16(r.Uint32()), 80}
	}
	// Client packets of 40,000 flows, and one heartbeat from each backend
	// every 4096 packets (about every 400µs of trace time: they never expire).
	order := benchtrace.UniformOrder(r, flows, 2)
	tr := benchtrace.New(len(order), func(i int) (maestro.Frame, maestro.Port) {
		if i%4096 < backends {
			k := i % 4096
			return maestro.Frame{EthSrc: backendMAC(k), SrcIP: backendIP(k), DstIP: vip, Proto: maestro.ProtoUDP, Size: 60}, LAN
		}
		f := fs[order[i]]
		return maestro.Frame{SrcIP: f.src, DstIP: f.dst, Proto: maestro.ProtoTCP, SrcPort: f.sport, DstPort: f.dport, Size: 60}, WAN
	})
	tr.Run(b, lb)
}
