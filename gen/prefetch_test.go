package gen

import (
	"strings"
	"testing"
)

func TestKeyExpr(t *testing.T) {
	pkt := func(field string, mask uint32) Component {
		return Component{Source: "packet", Field: field, Mask: mask}
	}
	rev := []Component{pkt("DstIP", 0xffffffff), pkt("SrcIP", 0xffffffff), pkt("DstPort", 0xffff), pkt("SrcPort", 0xffff), pkt("Proto", 0xff)}
	for _, c := range []struct {
		typ  string
		key  []Component
		want string // "" when there is nothing to prefetch
	}{
		{"maestro.FlowID", rev, "maestro.MakeFlowID(p.DstIP, p.SrcIP, p.DstPort, p.SrcPort, p.Proto)"},
		{"maestro.FlowID", rev[:4], ""},
		{"uint32", []Component{pkt("SrcIP", 0xffff0000)}, "p.SrcIP&0xffff0000"},
		{"uint32", []Component{pkt("DstIP", 0)}, "p.DstIP"},
		{"uint16", []Component{pkt("DstIP", 0)}, ""}, // type mismatch
		{"maestro.MAC", []Component{pkt("EthSrc", 0)}, "p.EthSrc"},
		{"uint32", []Component{{Source: "const"}}, ""},
		{"uint32", []Component{{Source: "entry", Field: "SrcIP"}}, ""},
	} {
		got, ok := keyExpr(c.typ, c.key)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("keyExpr(%s, %v) = %q, %v; want %q", c.typ, c.key, got, ok, c.want)
		}
	}
}

func TestContainerKeyType(t *testing.T) {
	for in, want := range map[string]string{
		"*maestro.Table[maestro.FlowID, struct{}]": "maestro.FlowID",
		"*maestro.Map[uint32, int]":                "uint32",
		"*maestro.CountMin[uint32]":                "",
		"*maestro.Table[[4]byte, int]":             "",
	} {
		got, ok := containerKeyType(in)
		if ok != (want != "") || (ok && got != want) {
			t.Errorf("containerKeyType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestPrefetchLoop: the FW's plan gives one key per port, the reversed
// key on the WAN and default ports, all gathered into the one container's
// array and prefetched once per chunk; a plan without keyed accesses gives
// no loop.
func TestPrefetchLoop(t *testing.T) {
	full := func(f string, m uint32) Component { return Component{Source: "packet", Field: f, Mask: m} }
	fwd := []Component{full("SrcIP", 0xffffffff), full("DstIP", 0xffffffff), full("SrcPort", 0xffff), full("DstPort", 0xffff), full("Proto", 0xff)}
	rev := []Component{fwd[1], fwd[0], fwd[3], fwd[2], fwd[4]}
	plan := &Plan{NF: "FW", Ports: []int{0, 1, 2}, DefaultPort: 2, State: []State{{
		Field: "flows", Type: "*maestro.Table[maestro.FlowID, struct{}]", Kind: "Table",
		Accesses: []Access{
			{Pos: "fw.go:60:2", Method: "Expire"},
			{Pos: "fw.go:68:22", Method: "Insert", Ports: []int{0}, Key: fwd},
			{Pos: "fw.go:66:15", Method: "Find", Ports: []int{0}, Key: fwd},
			{Pos: "fw.go:73:14", Method: "Find", Ports: []int{1, 2}, Key: rev},
		},
	}}}
	e := &emitter{f: &File{Plan: plan}}
	got := e.prefetchLoop()
	for _, want := range []string{
		"var keys0 [maestro.PrefetchBurst]maestro.FlowID\n",
		"case 0:\n\t\t\t\tkeys0[n0] = maestro.MakeFlowID(p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto)\n\t\t\t\tn0++\n",
		"case 1:\n\t\t\t\tkeys0[n0] = maestro.MakeFlowID(p.DstIP, p.SrcIP, p.DstPort, p.SrcPort, p.Proto)\n",
		"default:\n\t\t\t\tkeys0[n0] = maestro.MakeFlowID(p.DstIP, p.SrcIP, p.DstPort, p.SrcPort, p.Proto)\n",
		"nf.flows.PrefetchKeys(keys0[:n0])\n",
		"verdicts[base+i] = nf.Process(&chunk[i])",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("loop lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "PrefetchKeys") != 1 {
		t.Errorf("one container, want one PrefetchKeys call:\n%s", got)
	}
	// A second container on another port gets its own array and call.
	plan.State = append(plan.State, State{
		Field: "hosts", Type: "*maestro.Map[uint32, int]", Kind: "Map",
		Accesses: []Access{{Pos: "fw.go:50:3", Method: "Get", Ports: []int{1}, Key: fwd[1:2]}},
	})
	got = e.prefetchLoop()
	for _, want := range []string{
		"var keys1 [maestro.PrefetchBurst]uint32\n",
		"case 1:\n\t\t\t\tkeys1[n1] = p.DstIP\n",
		"nf.hosts.PrefetchKeys(keys1[:n1])\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("two-container loop lacks %q:\n%s", want, got)
		}
	}
	plan.State = plan.State[:1]
	plan.State[0].Accesses = plan.State[0].Accesses[:1]
	if got := e.prefetchLoop(); got != "" {
		t.Errorf("plan without keyed accesses: %q", got)
	}
	if got := e.burstBody(); !strings.Contains(got, "verdicts[i] = nf.Process(&pkts[i])") {
		t.Errorf("plain burst body: %q", got)
	}
}
