//go:build !maestrogen

package nat

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

// testConfig makes state expire within the standard traces (20 ms long),
// so expiry and slot reuse are compared too.
var testConfig = Config{Capacity: 8192, Timeout: 2 * time.Millisecond}

// TestParallelMatchesSequential is the differential test (docs/design.md) for
// the generated parallel NF and its forced lock-based variant.
func TestParallelMatchesSequential(t *testing.T) {
	traces, err := maestrotest.AllTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq := func() maestro.NF { return New(testConfig) }
	maestrotest.CheckMatrix(t, traces,
		maestrotest.Case{Name: "parallel", Seq: seq, SharedNothing: true, NAT: &maestrotest.NAT{ExternalIP: DefaultConfig().ExternalIP, LAN: LAN, WAN: WAN, Timeout: int64(testConfig.Timeout)},
			Par: func(cores int) (maestrotest.Parallel, error) { return NewParallel(testConfig, cores) }},
		maestrotest.Case{Name: "locked", Seq: seq, NAT: &maestrotest.NAT{ExternalIP: DefaultConfig().ExternalIP, LAN: LAN, WAN: WAN, Timeout: int64(testConfig.Timeout)},
			Par: func(cores int) (maestrotest.Parallel, error) { return NewLocked(testConfig, cores) }},
	)
}

// TestWrongPoolsCaught is the negative control of the differential test:
// with the WAN ports' keys complemented, the NIC no longer delivers a
// reply to the core whose pool its port came from. The harness must say
// so in both modes: in trace order as mismatches (the reply reaches a core
// without its flow), concurrently as violations of the per-reply check.
func TestWrongPoolsCaught(t *testing.T) {
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{Packets: 4000})
	if err != nil {
		t.Fatal(err)
	}
	nat := &maestrotest.NAT{ExternalIP: DefaultConfig().ExternalIP, LAN: LAN, WAN: WAN, Timeout: int64(testConfig.Timeout)}
	for _, mode := range []maestrotest.Mode{maestrotest.TraceOrder, maestrotest.Concurrent} {
		par, err := NewParallel(testConfig, 4)
		if err != nil {
			t.Fatal(err)
		}
		wrong := par.RSS()
		for i := range wrong {
			if wrong[i].Port != int(LAN) {
				for b := range wrong[i].Key {
					wrong[i].Key[b] = ^wrong[i].Key[b]
				}
			}
		}
		rep, err := maestrotest.Run(New(testConfig), par, traces[0].Trace, maestrotest.Options{Mode: mode, Exact: true, NAT: nat, RSS: wrong})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Mismatches == 0 && len(rep.Violations) == 0 {
			t.Errorf("mode %v: wrong WAN keys went unnoticed", mode)
		}
	}
}
