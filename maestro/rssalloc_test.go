package maestro_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
)

func TestValueAllocator(t *testing.T) {
	a, err := maestro.NewValueAllocator([]uint32{700, 300, 500, 900}, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint32]bool{}
	for range 4 {
		v, i, ok := a.AllocateValue(1)
		if !ok || a.Value(i) != v {
			t.Fatalf("AllocateValue: %d %d %v", v, i, ok)
		}
		if j, ok := a.Index(v); !ok || j != i {
			t.Fatalf("Index(%d) = %d %v, want %d", v, j, ok, i)
		}
		got[v] = true
	}
	if len(got) != 4 {
		t.Errorf("values %v, want the 4 of the pool", got)
	}
	if _, _, ok := a.AllocateValue(2); ok || a.Refusals() != 1 {
		t.Errorf("exhausted pool: ok %v, refusals %d", ok, a.Refusals())
	}
	if _, ok := a.Index(301); ok {
		t.Error("Index of a value outside the pool")
	}
	if a.Expire(11) != 4 {
		t.Error("values did not expire")
	}
	if refs := maestro.PoolRefusals([]*maestro.ValueAllocator{a, a}); !slices.Equal(refs, []uint64{1, 1}) {
		t.Errorf("PoolRefusals %v", refs)
	}
	for _, bad := range [][]uint32{nil, {1, 2, 3}, {1, 1}} {
		if _, err := maestro.NewValueAllocator(bad, 1); err == nil {
			t.Errorf("pool %v accepted", bad)
		}
	}
}

// TestRSSAwareNAT is the NAT with one popular server, at the level
// of the RSS configuration and the allocator: the LAN port hashes the whole
// 4-tuple, so 2,000 clients of a /16 talking to one server:443 spread over
// 16 cores (max/mean <= 1.3); each core hands out external ports from its
// pool, whose replies the WAN port (hashing only DstPort) delivers to that
// same core, so the NAT stays shared-nothing.
func TestRSSAwareNAT(t *testing.T) {
	const lan, wan, cores, extIP = 0, 1, 16, 0xc0000201
	server, serverPort := uint32(0x5db8d822), uint32(443)
	e810, _ := rss.LookupProfile("e810")
	sol, err := rss.Solve(e810, 2, []rss.Constraint{rss.DependsOn(wan, "nat: replies keyed by the external port", rss.Whole(rss.DstPort))}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if h := sol.Configs[wan].Fields.Hashed(); h != 1<<rss.DstPort {
		t.Fatalf("WAN hashes %v, want DstPort alone", h)
	}
	cfgs, err := sol.WithCores(cores)
	if err != nil {
		t.Fatal(err)
	}
	pools, err := cfgs[wan].ValuePools(rss.DstPort, [4]uint32{server, extIP, serverPort, 0}, 1024, 32768)
	if err != nil {
		t.Fatal(err)
	}
	allocs := make([]*maestro.ValueAllocator, cores)
	for c := range allocs {
		if allocs[c], err = maestro.NewValueAllocator(pools[c], 0); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(16, 2000))
	load := make([]int, cores)
	for range 2000 {
		client, cport := 0x0a140000|rng.Uint32()&0xffff, uint16(1024+rng.Uint32()%60000)
		c := cfgs[lan].Queue(client, server, cport, uint16(serverPort), true)
		load[c]++
		ext, _, ok := allocs[c].AllocateValue(0)
		if !ok {
			t.Fatalf("core %d's pool of %d ports is exhausted", c, allocs[c].Cap())
		}
		if r := cfgs[wan].Queue(server, extIP, uint16(serverPort), uint16(ext), true); r != c {
			t.Fatalf("flow on core %d got port %d, whose replies reach core %d", c, ext, r)
		}
	}
	r := float64(slices.Max(load)) * cores / 2000
	t.Logf("LAN load max/mean %.2f at %d cores", r, cores)
	if r > 1.3 {
		t.Errorf("LAN load max/mean %.2f at %d cores, want <= 1.3 (%v)", r, cores, load)
	}
	if refs := maestro.PoolRefusals(allocs); slices.Max(refs) != 0 {
		t.Errorf("refusals %v", refs)
	}
}
