//go:build !maestrogen

package nat

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// TestOneServerSpread is issue 16's NAT with one popular server, through
// the generated parallel NAT and the RSS configuration it programs:
// 2,000 clients of one /16 open flows to one server:443. The LAN side
// hashes the whole 4-tuple, so the flows spread (max/mean <= 1.3 at 2 to 16
// cores); each core hands out external ports from its own pool, so every
// reply, addressed to the port its flow got, reaches the core that holds
// the flow and is translated back there.
func TestOneServerSpread(t *testing.T) {
	const server, serverPort = 0x5db8d822, 443
	ext := DefaultConfig().ExternalIP
	for _, cores := range []int{2, 4, 8, 16} {
		t.Run(fmt.Sprintf("%d cores", cores), func(t *testing.T) {
			par, err := NewParallel(Config{}, cores)
			if err != nil {
				t.Fatal(err)
			}
			disp, err := soft.RSSDispatcher(par.RSS()...)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(16, 2000))
			load := make([]int, cores)
			pkts := make([]maestro.Packet, 1)
			vs := make([]maestro.Verdict, 1)
			for k := range 2000 {
				client, cport := 0x0a140000|rng.Uint32()&0xffff, uint16(1024+rng.Uint32()%60000)
				out := maestro.Frame{SrcIP: client, DstIP: server, Proto: maestro.ProtoTCP, SrcPort: cport, DstPort: serverPort}
				pkts[0].Reset(maestro.AppendFrame(nil, out), LAN, int64(k))
				c := disp(&pkts[0])
				load[c]++
				par.ProcessBurst(c, pkts, vs)
				if vs[0] != maestro.Forward(WAN) || pkts[0].SrcIP != ext {
					t.Fatalf("flow %d on core %d: %v", k, c, vs[0])
				}
				reply := maestro.Frame{SrcIP: server, DstIP: ext, Proto: maestro.ProtoTCP, SrcPort: serverPort, DstPort: pkts[0].SrcPort}
				pkts[0].Reset(maestro.AppendFrame(nil, reply), WAN, int64(k))
				if r := disp(&pkts[0]); r != c {
					t.Fatalf("flow on core %d got port %d, whose replies reach core %d", c, reply.DstPort, r)
				}
				par.ProcessBurst(c, pkts, vs)
				if vs[0] != maestro.Forward(LAN) || pkts[0].DstIP != client || pkts[0].DstPort != cport {
					t.Fatalf("reply to port %d on core %d: %v to %#x:%d", reply.DstPort, c, vs[0], pkts[0].DstIP, pkts[0].DstPort)
				}
			}
			r := float64(slices.Max(load)) * float64(cores) / 2000
			t.Logf("LAN load max/mean %.2f at %d cores", r, cores)
			if r > 1.3 {
				t.Errorf("LAN load max/mean %.2f at %d cores, want <= 1.3 (%v)", r, cores, load)
			}
			if refs := par.PoolRefusals()["flows"]; len(refs) != cores || slices.Max(refs) != 0 {
				t.Errorf("pool refusals %v", refs)
			}
		})
	}
}

// TestPoolsFair checks the pools the generated code gives the cores: equal
// sizes, disjoint, each value's packets on the WAN port reaching the core
// that owns it, and together at least half of the configured ports (the
// fair share is a power of two; with a key of full rank over the port's low
// bits every core gets exactly Capacity/cores).
func TestPoolsFair(t *testing.T) {
	for _, cores := range []int{1, 2, 4, 8, 16} {
		par, err := NewParallel(Config{}, cores)
		if err != nil {
			t.Fatal(err)
		}
		cfgs := par.RSS()
		wan := cfgs[rss.ConfigIndex(cfgs, int(WAN))]
		seen := map[uint32]bool{}
		size := -1
		for c := range cores {
			pool := par.Instance(c).flows.Pool()
			if size >= 0 && len(pool) != size {
				t.Errorf("%d cores: core %d has %d values, core 0 %d", cores, c, len(pool), size)
			}
			size = len(pool)
			for _, v := range pool {
				if seen[v] {
					t.Fatalf("%d cores: value %d in two pools", cores, v)
				}
				seen[v] = true
				if q := wan.Queue(0x01020304, DefaultConfig().ExternalIP, 443, uint16(v), true); q != c {
					t.Fatalf("%d cores: port %d in core %d's pool reaches core %d", cores, v, c, q)
				}
			}
		}
		if total := len(seen); total*2 < DefaultConfig().Capacity {
			t.Errorf("%d cores: pools hold %d ports of %d", cores, total, DefaultConfig().Capacity)
		}
		t.Logf("%d cores: %d ports per core", cores, size)
	}
}
