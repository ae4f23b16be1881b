package maestrotest_test

import (
	"fmt"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// Run replays a trace through the sequential NF and its generated parallel
// NF and compares every packet's verdict and bytes. In a test, CheckMatrix
// does this for a set of traces, core counts and modes.
func ExampleRun() {
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 5000})
	if err != nil {
		panic(err)
	}
	trace := traces[0].Trace
	par, err := fw.NewParallel(fw.DefaultConfig(), 4)
	if err != nil {
		panic(err)
	}
	rep, err := maestrotest.Run(fw.New(fw.DefaultConfig()), par, trace, maestrotest.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(traces[0].Name, rep.Packets, "packets on", rep.Cores, "cores:", rep.Err())

	// The same NF with a wrong RSS configuration (every port's key but
	// the LAN port's complemented): replies reach cores without their
	// flows, and the harness says which packets differ.
	wrong := par.RSS()
	for i := 1; i < len(wrong); i++ {
		for b := range wrong[i].Key {
			wrong[i].Key[b] = ^wrong[i].Key[b]
		}
	}
	par2, _ := fw.NewParallel(fw.DefaultConfig(), 4)
	rep, _ = maestrotest.Run(fw.New(fw.DefaultConfig()), par2, trace, maestrotest.Options{RSS: rss.CopyConfigs(wrong)})
	fmt.Println("wrong RSS:", rep.Mismatches > 0)
	// Output:
	// uniform 5000 packets on 4 cores: <nil>
	// wrong RSS: true
}
