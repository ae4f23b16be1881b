package gen

import (
	"strings"
	"testing"
)

// TestOwnershipWiring: a shared-nothing NF registers every written state
// field of every core with the ownership check, and only those: read-only
// state is replicated configuration, and a lock-based NF has one state and
// nothing to check.
func TestOwnershipWiring(t *testing.T) {
	gens := generateCatalog(t)
	for name, want := range map[string][]string{
		"fw":      {`maestro.Own(nf.flows, own, core, "flows")`, `maestro.Own(nf.frags, own, core, "frags")`},
		"fwbasic": {`maestro.Own(nf.flows, own, core, "flows")`},
		"cl":      {`maestro.Own(nf.flows, own, core, "flows")`, `maestro.Own(nf.conns, own, core, "conns")`},
		"sbridge": nil, // its MAC table is read-only on the packet path
		"dbridge": nil, // locks
	} {
		g, ok := gens[name]
		if !ok {
			t.Fatalf("%s not generated", name)
		}
		src := string(g.Source)
		if n := strings.Count(src, "maestro.Own("); n != len(want) {
			t.Errorf("%s: %d maestro.Own calls, want %d", name, n, len(want))
		}
		for _, w := range want {
			if !strings.Contains(src, w) {
				t.Errorf("%s: generated code lacks %s", name, w)
			}
		}
		shared := name != "dbridge"
		if got := strings.Contains(src, "Ownership() *maestro.Ownership"); got != shared {
			t.Errorf("%s: has an Ownership method: %v, want %v", name, got, shared)
		}
	}
}
