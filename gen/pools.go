package gen

import (
	"fmt"
	"strings"
)

// RSS-aware allocation in the generated code (the plan's Pools; the
// contract is stateaccess.Pool's). The shared-nothing template calls
// poolRestrict right after building the cores' instances, before any
// packet runs, and poolRefusals adds the per-core exhaustion report.

// poolText is the plan's pools for people (-explain, the generated
// comment).
func (p *Plan) poolText() string {
	var b strings.Builder
	for _, x := range p.Pools {
		fmt.Fprintf(&b, "RSS-aware allocation: each core's %s allocates only the values of %s whose packets on port %d reach that core (pools computed from port %d's configuration; a core's capacity is its pool)\n", x.State, x.Field, x.Port, x.Port)
	}
	return b.String()
}

// poolRestrict returns the code that gives each core's pooled tables their
// pools: computed by rss.PoolsFor from cfgs, the very configuration RSS()
// returns and the NIC is programmed with, over the values the core's table
// stands for (ValueOf(0) to ValueOf(Cap()-1)).
func (e *emitter) poolRestrict() string {
	if len(e.f.Plan.Pools) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("// RSS-aware allocation: each core may allocate only the values whose\n")
	b.WriteString("\t// packets reach it, so the entries they key live on that core.\n")
	b.WriteString("\tfor core := range cores {\n\t\tnf := nfs.Get(core)\n")
	for _, x := range e.f.Plan.Pools {
		fmt.Fprintf(&b, "\t\tif err := rss.RestrictToPool(cfgs, %d, rss.%s, core, nf.%s); err != nil {\n\t\t\treturn nil, err\n\t\t}\n", x.Port, x.Field, x.State)
	}
	b.WriteString("\t}\n\t")
	return b.String()
}

// poolRefusals emits the per-core exhaustion report of the pooled tables.
func (e *emitter) poolRefusals(typ string) {
	if len(e.f.Plan.Pools) == 0 {
		return
	}
	e.pf("// PoolRefusals returns, for each state field allocated RSS-aware, each\n")
	e.pf("// core's refused inserts: its pool of values exhausted (or a probe\n")
	e.pf("// chain too long, see maestro.Table.Refusals). Read it while no packet\n// runs.\n")
	e.pf("func (x *%s) PoolRefusals() map[string][]uint64 {\n", typ)
	e.pf("\tout := map[string][]uint64{}\n\tfor core := range x.nfs.Cores() {\n\t\tnf := x.nfs.Get(core)\n")
	for _, p := range e.f.Plan.Pools {
		e.pf("\t\tout[%q] = append(out[%q], nf.%s.Refusals())\n", p.State, p.State, p.State)
	}
	e.pf("\t}\n\treturn out\n}\n\n")
}
