package soft_test

import (
	"context"
	"fmt"
	"log"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// Run a generated parallel NF: the firewall on four cores, concurrently,
// on streamed synthetic traffic (Job.In takes pcap files instead, and
// Job.Out a directory for one pcap per port). RunNF programs the software
// NIC with the RSS configuration the FW was generated with.
func ExampleRunNF() {
	nf, err := fw.NewParallel(fw.DefaultConfig(), 4)
	if err != nil {
		log.Fatal(err)
	}
	gen := traffic.DefaultConfig()
	gen.Packets = 100_000
	src, err := traffic.NewSource(gen)
	if err != nil {
		log.Fatal(err)
	}
	res, err := soft.RunNF(context.Background(), nf, soft.Job{Source: src, Config: soft.Config{Mode: soft.Concurrent}})
	if err != nil {
		log.Fatal(err)
	}
	for port, s := range res.Ports {
		fmt.Printf("port %d: in %d, out %d, dropped %d\n", port, s.RX, s.TX, s.Dropped)
	}
	// Output:
	// port 0: in 79991, out 20009, dropped 0
	// port 1: in 20009, out 79991, dropped 0
}

// Replay a capture four times over at twice its speed.
func ExampleLoop() {
	tr := &soft.Trace{NumPorts: 1}
	tr.Add(0, 1_000, []byte{0}, 0)
	tr.Add(0, 3_000, []byte{1}, 0)
	looped, err := soft.Loop(func() (soft.Source, error) { return tr.Reader(), nil }, 4)
	if err != nil {
		log.Fatal(err)
	}
	src, err := soft.Pace(context.Background(), looped, soft.Pacing{Speed: 2})
	if err != nil {
		log.Fatal(err)
	}
	all, err := soft.ReadAll(src)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range all.Frames {
		fmt.Print(f.Time, " ")
	}
	fmt.Println()
	// Output:
	// 1000 3000 5000 7000 9000 11000 13000 15000
}
