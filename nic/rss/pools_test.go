package rss

import (
	"strings"
	"testing"
)

// Pools of DstPort values on a port hashing only DstPort: every value lands
// where its pool says, the pools are fair, and a port that does not hash
// the field is refused.
func TestValuePools(t *testing.T) {
	e810, _ := LookupProfile("e810")
	sol, err := Solve(e810, 2, []Constraint{DependsOn(1, "nat: replies keyed by the external port", Whole(DstPort))}, 7)
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := sol.WithCores(16)
	if err != nil {
		t.Fatal(err)
	}
	base := [4]uint32{0x5db8d822, 0xc0000201, 443, 0}
	pools, err := cfgs[1].ValuePools(DstPort, base, 1024, 32768)
	if err != nil {
		t.Fatal(err)
	}
	if len(pools) != 16 {
		t.Fatalf("%d pools, want 16", len(pools))
	}
	for q, p := range pools {
		if len(p) != len(pools[0]) || len(p)&(len(p)-1) != 0 || len(p) < 1024 {
			t.Errorf("pool %d has %d values, pool 0 %d: want equal powers of two", q, len(p), len(pools[0]))
		}
		for _, v := range p {
			// Another server and client: the port hashes DstPort alone.
			if got := cfgs[1].Queue(0x01020304, 0x0a0b0c0d, 80, uint16(v), true); got != q {
				t.Fatalf("value %d is in pool %d but reaches queue %d", v, q, got)
			}
		}
	}
	if _, err := cfgs[0].ValuePools(DstPort, base, 1024, 32768); err != nil {
		t.Errorf("port 0 hashes the whole tuple, DstPort included: %v", err)
	}
	only := cfgs[1]
	only.Fields = HashIPv4All | HashL3DstOnly
	if _, err := only.ValuePools(DstPort, base, 1024, 100); err == nil || !strings.Contains(err.Error(), "does not hash DstPort") {
		t.Errorf("a port not hashing DstPort: %v", err)
	}
	if _, err := cfgs[1].ValuePools(DstPort, base, 65000, 1000); err == nil {
		t.Error("values beyond 65535 accepted")
	}
}
