package rss_test

import (
	"fmt"

	"github.com/nfmaestro/maestro/nic/rss"
)

// A firewall: LAN packets of a flow and WAN packets of its reply must reach
// the same core.
func ExampleSolve() {
	const lan, wan = 0, 1
	tuple := []rss.Bits{rss.Whole(rss.SrcIP), rss.Whole(rss.DstIP), rss.Whole(rss.SrcPort), rss.Whole(rss.DstPort)}
	reply := []rss.Bits{rss.Whole(rss.DstIP), rss.Whole(rss.SrcIP), rss.Whole(rss.DstPort), rss.Whole(rss.SrcPort)}
	cs := []rss.Constraint{rss.Same(lan, tuple, wan, reply, "fw.go:41: flows.Find keyed by the reversed 5-tuple")}

	p, err := rss.LookupProfile("e810")
	if err != nil {
		panic(err)
	}
	sol, err := rss.Solve(p, 2, cs, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfgs, err := sol.WithCores(8)
	if err != nil {
		panic(err)
	}
	out := cfgs[lan].Queue(0x0a000001, 0xc0a80001, 40000, 443, true)
	back := cfgs[wan].Queue(0xc0a80001, 0x0a000001, 443, 40000, true)
	fmt.Println(out == back, sol.Ports[lan].Rank == p.Bits())
	// Output: true true
}

// A key on MAC addresses gives the analyzer no hashable field: the queue may
// depend on nothing, and Solve says which code is to blame.
func ExampleInfeasibleError() {
	cs := []rss.Constraint{rss.DependsOn(1, "dbridge.go:40: macs.Find keyed by EthDst")}
	_, err := rss.Solve(rss.Profiles()[0], 2, cs, 1)
	fmt.Println(err)
	// Output:
	// rss: no spreading RSS configuration: the queue of port 1 may depend on no hashed input bit; caused by:
	// 	dbridge.go:40: macs.Find keyed by EthDst
}
