package rss

import (
	"slices"
	"strings"
	"testing"
)

func TestRoundRobin(t *testing.T) {
	reta := RoundRobin(512, 16)
	if len(reta) != 512 {
		t.Fatalf("len %d", len(reta))
	}
	counts := make([]int, 16)
	for i, q := range reta {
		if int(q) != i%16 {
			t.Fatalf("entry %d = %d", i, q)
		}
		counts[q]++
	}
	for q, c := range counts {
		if c != 32 {
			t.Errorf("queue %d has %d entries, want 32", q, c)
		}
	}
	for _, bad := range [][2]int{{0, 4}, {-1, 4}, {128, 0}, {128, MaxCores + 1}} {
		if RoundRobin(bad[0], bad[1]) != nil {
			t.Errorf("RoundRobin(%d, %d) should be nil", bad[0], bad[1])
		}
	}
}

func TestBalance(t *testing.T) {
	// No traffic: round robin.
	if got, want := Balance(128, 6, nil), RoundRobin(128, 6); !slices.Equal(got, want) {
		t.Errorf("Balance with no counts = %v, want round robin", got)
	}
	// One elephant bucket gets a core to itself; the mice share the rest.
	counts := make([]uint64, 16)
	counts[5] = 1000
	for i := range counts {
		if i != 5 {
			counts[i] = 10
		}
	}
	reta := Balance(16, 4, counts)
	load := make([]uint64, 4)
	for i, q := range reta {
		load[q] += counts[i]
	}
	elephant := reta[5]
	for i, q := range reta {
		if i != 5 && q == elephant {
			t.Errorf("bucket %d shares the elephant's core %d", i, q)
		}
	}
	for q, l := range load {
		if q != int(elephant) && l != 50 {
			t.Errorf("core %d load %d, want 50 (loads %v)", q, l, load)
		}
	}
	// Greedy heaviest-first is within one bucket of the mean and beats
	// round robin on skewed counts.
	skew := make([]uint64, 512)
	for i := range skew {
		skew[i] = uint64(1+i%7) * uint64(1+(i*7919)%13)
	}
	var sum, heaviest uint64
	for _, c := range skew {
		sum += c
		heaviest = max(heaviest, c)
	}
	maxLoad := func(reta []uint16) uint64 {
		l := make([]uint64, 10)
		for i, q := range reta {
			l[q] += skew[i]
		}
		return slices.Max(l)
	}
	b, rr := maxLoad(Balance(512, 10, skew)), maxLoad(RoundRobin(512, 10))
	if b > sum/10+heaviest || b > rr {
		t.Errorf("balanced max load %d (mean %d, heaviest bucket %d, round robin %d)", b, sum/10, heaviest, rr)
	}
	if Balance(0, 4, nil) != nil || Balance(16, 0, nil) != nil {
		t.Error("Balance accepted a bad size or core count")
	}
	// Short and long count slices do not panic.
	if len(Balance(8, 2, []uint64{1})) != 8 || len(Balance(2, 2, []uint64{1, 2, 3, 4})) != 2 {
		t.Error("Balance mishandled a count slice of the wrong length")
	}
}

func TestConfigQueue(t *testing.T) {
	p, _ := LookupProfile("cx5")
	sol, err := Solve(p, 2, catalog[1].cs, 9)
	if err != nil {
		t.Fatal(err)
	}
	reta := Balance(512, 3, nil)
	reta[0] = 2
	cfgs, err := sol.WithRETA(reta)
	if err != nil {
		t.Fatal(err)
	}
	c := &cfgs[0]
	if c.QueueNonIP() != 2 {
		t.Errorf("QueueNonIP = %d, want RETA[0] = 2", c.QueueNonIP())
	}
	// The dispatcher indexes the RETA with the low 9 hash bits, and hashes
	// the 2-tuple when told the ports are not hashed.
	key := c.Key
	h, _ := NewHasher(key)
	for i := uint32(0); i < 1000; i++ {
		s, d, sp, dp := i*2654435761, i*40503+7, uint16(i*31), uint16(i*17+3)
		if got, want := c.Queue(s, d, sp, dp, true), int(reta[h.Hash4(s, d, sp, dp)&511]); got != want {
			t.Fatalf("Queue = %d, want %d", got, want)
		}
		if got, want := c.Bucket(s, d, sp, dp, true), int(h.Hash4(s, d, sp, dp)&511); got != want {
			t.Fatalf("Bucket = %d, want %d", got, want)
		}
		if got, want := c.Queue(s, d, sp, dp, false), int(reta[h.Hash2(s, d)&511]); got != want {
			t.Fatalf("Queue without ports = %d, want %d", got, want)
		}
	}
	// A zero 4-tuple hashes like a non-IP packet.
	if c.Queue(0, 0, 0, 0, true) != c.QueueNonIP() {
		t.Error("all-zero fields should land where non-IP packets do")
	}
	// Bad configs give errors or a defined answer, never a panic.
	var empty Config
	if empty.Queue(1, 2, 3, 4, true) != 0 || empty.QueueNonIP() != 0 {
		t.Error("empty Config should answer queue 0")
	}
	if err := (&Config{Key: key, RETA: make([]uint16, 100)}).Prepare(); err == nil {
		t.Error("Prepare accepted a RETA of 100 entries")
	}
	if err := (&Config{Key: key[:8], RETA: make([]uint16, 128)}).Prepare(); err == nil {
		t.Error("Prepare accepted an 8-byte key")
	}
	if _, err := sol.WithRETA(make([]uint16, 128)); err == nil {
		t.Error("WithRETA accepted a RETA of the wrong size")
	}
	if _, err := sol.WithCores(0); err == nil {
		t.Error("WithCores accepted 0 cores")
	}
	if _, err := sol.WithCores(513); err == nil {
		t.Error("WithCores accepted more cores than RETA entries")
	}
	if cfgs[0].Fields != HashIPv4All || !strings.Contains(cfgs[0].KeyHex(), "") || len(cfgs[0].KeyHex()) != 80 {
		t.Errorf("config fields %v key %s", cfgs[0].Fields, cfgs[0].KeyHex())
	}
}

func TestProfiles(t *testing.T) {
	want := map[string][2]int{"generic": {40, 128}, "82599": {40, 128}, "x710": {52, 512}, "e810": {52, 512}, "cx5": {40, 512}}
	for name, kr := range want {
		p, err := LookupProfile(strings.ToUpper(name))
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != name || p.KeyLen != kr[0] || p.RETASize != kr[1] || p.Validate() != nil {
			t.Errorf("%s: %+v", name, p)
		}
		if p.Bits() != map[int]int{128: 7, 512: 9}[p.RETASize] {
			t.Errorf("%s: Bits() = %d", name, p.Bits())
		}
	}
	if len(Profiles()) != len(want) || !slices.IsSorted(ProfileNames()) {
		t.Errorf("Profiles() = %v", ProfileNames())
	}
	_, err := LookupProfile("tulip")
	if err == nil || !strings.Contains(err.Error(), "tulip") || !strings.Contains(err.Error(), "82599, cx5, e810, generic, x710") {
		t.Errorf("unknown profile error = %v", err)
	}
}

func TestHashFields(t *testing.T) {
	if s := HashIPv4All.String(); s != "ipv4-tcp,ipv4-udp,ipv4" {
		t.Errorf("String = %q", s)
	}
	f, err := ParseHashFields("ipv4, ipv4-udp")
	if err != nil || f != HashIPv4|HashIPv4UDP {
		t.Errorf("Parse = %v, %v", f, err)
	}
	if f.HashesPorts(6) || !f.HashesPorts(17) || f.HashesPorts(1) {
		t.Error("HashesPorts wrong")
	}
	if _, err := ParseHashFields("ipv6"); err == nil || !strings.Contains(err.Error(), "ipv6") {
		t.Errorf("Parse(ipv6) error = %v", err)
	}
	if f, err := ParseHashFields(HashIPv4All.String()); err != nil || f != HashIPv4All {
		t.Error("String/Parse do not round-trip")
	}
}

func TestForCoresAndCopyConfigs(t *testing.T) {
	p, _ := LookupProfile("generic")
	sol, err := Solve(p, 2, catalog[2].cs, 4) // NAT
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := ForCores(sol.Configs, p.RETASize, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfgs {
		if !slices.Equal(cfgs[i].Key, sol.Configs[i].Key) || !slices.Equal(cfgs[i].RETA, RoundRobin(128, 4)) {
			t.Fatalf("port %d: wrong key or RETA", i)
		}
		if cfgs[i].h == nil {
			t.Fatalf("port %d: not prepared", i)
		}
	}
	// NAT: LAN dst IP and WAN src IP pick the same queue.
	if cfgs[lan].Queue(1, 0xc0a80101, 5, 6, true) != cfgs[wan].Queue(0xc0a80101, 9, 7, 8, true) {
		t.Error("NAT pair split across queues")
	}
	cp := CopyConfigs(cfgs)
	cp[0].Key[0] ^= 0xff
	cp[0].RETA[0] ^= 1
	if cfgs[0].Key[0] == cp[0].Key[0] || cfgs[0].RETA[0] == cp[0].RETA[0] {
		t.Error("CopyConfigs shares memory with its input")
	}
	for _, n := range []int{0, 129} {
		if _, err := ForCores(sol.Configs, p.RETASize, n); err == nil {
			t.Errorf("ForCores accepted %d cores", n)
		}
	}
	if _, err := ForCores(sol.Configs, 100, 4); err == nil {
		t.Error("ForCores accepted a RETA of 100 entries")
	}
}

// TestDefaultConfig: the Default flag survives ForCores and CopyConfigs,
// ConfigIndex resolves unconfigured ports to it, and CheckConfigs refuses
// sets a NIC could not be programmed with.
func TestDefaultConfig(t *testing.T) {
	key := make([]byte, 40)
	for i := range key {
		key[i] = byte(i*13 + 5)
	}
	cfgs := []Config{{Port: 0, Key: key}, {Port: 1, Key: key}, {Port: 2, Key: key, Default: true}}
	out, err := ForCores(cfgs, 128, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range [][]Config{out, CopyConfigs(out)} {
		for i, c := range set {
			if c.Port != i || c.Default != (i == 2) {
				t.Fatalf("config %d: port %d default %v", i, c.Port, c.Default)
			}
		}
	}
	for port, want := range map[int]int{0: 0, 1: 1, 2: 2, 3: 2, 7: 2, MaxPort: 2} {
		if got := ConfigIndex(out, port); got != want {
			t.Errorf("ConfigIndex(port %d) = %d, want %d", port, got, want)
		}
	}
	if got := ConfigIndex(out[:2], 5); got != -1 {
		t.Errorf("ConfigIndex without a default = %d, want -1", got)
	}
	for name, bad := range map[string][]Config{
		"two defaults":  {{Port: 0, Key: key, Default: true}, {Port: 1, Key: key, Default: true}},
		"port twice":    {{Port: 1, Key: key}, {Port: 1, Key: key}},
		"negative port": {{Port: -1, Key: key}},
		"port too big":  {{Port: MaxPort + 1, Key: key}},
	} {
		if err := CheckConfigs(bad); err == nil {
			t.Errorf("%s: CheckConfigs accepted %v", name, bad)
		}
		if _, err := ForCores(bad, 128, 2); err == nil {
			t.Errorf("%s: ForCores accepted it", name)
		}
	}
	if err := CheckConfigs(cfgs); err != nil {
		t.Error(err)
	}
}
