package maestrotest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// Trace is a named trace for a test matrix.
type Trace struct {
	Name  string
	Trace *soft.Trace
}

// TraceOptions size the standard traces.
type TraceOptions struct {
	// Packets per trace (default 20000; 4000 with -short).
	Packets int
	// Flows live at a time (default 400).
	Flows int
	// Rate in packets per second of trace time (default 1e6, so a trace of
	// 20000 packets lasts 20 ms; NFs under test use timeouts of a few ms
	// so that entries expire and are reused).
	Rate float64
	// Seed of the generator (default 1).
	Seed uint64
	// Proto of the flows (default traffic.Mix: TCP and UDP).
	Proto traffic.Proto
}

// StandardTraces returns the traces every NF is tested on: uniform flows,
// Zipf-skewed flows, high churn (a new flow every few packets) and
// bidirectional (every flow answered from the WAN), all with some replies
// so that both ports' code runs.
func StandardTraces(o TraceOptions) ([]Trace, error) {
	o = o.withDefaults()
	base := traffic.Config{Ports: 2, Flows: o.Flows, Packets: o.Packets, Dist: traffic.Uniform, ZipfS: 1.1,
		Bidir: 0.5, Sizes: []int{64, 128, 594}, Seed: o.Seed, Rate: o.Rate, Start: 1_000_000_000, Proto: o.Proto}
	variants := []variant{
		{"uniform", func(*traffic.Config) {}},
		{"zipf", func(c *traffic.Config) { c.Dist = traffic.Zipf }},
		// One new flow every 5 packets: entries are created, expire and
		// have their slots reused throughout.
		{"churn", func(c *traffic.Config) { c.Churn = o.Rate / 5 }},
		{"bidir", func(c *traffic.Config) { c.Bidir = 1 }},
	}
	return generateVariants(base, o.Seed, variants)
}

// The hostile traces' names (see HostileTraces).
const (
	TraceHostile      = "hostile"
	TraceHostilePool  = "hostile-pool"
	TraceHostile3Port = "hostile-3port"
)

// HostileTraces returns the hostile traces every NF is tested on (docs/design.md,
// "How it is tested"): realistic flows, some answered, with one packet in five replaced by
// hostile traffic built around them (traffic.Kind: ICMP echoes and errors,
// malformed, truncated and fragmented frames, ARP, IPv6 and LLDP, spoofed
// and wrong-protocol replies, unsolicited WAN traffic, request-reply
// bursts within 1 µs, VLAN tags, IPv4 options and TTLs of 0 and 1; pings
// by identifier, ICMP errors from routers quoting live and dead flows, and
// fragmented replies with later fragments of unknown datagrams):
//
//   - "hostile": uniform flows;
//   - "hostile-pool": Zipf-skewed flows from small pools of adjacent
//     addresses and ports (x.x.0.255 next to x.x.1.0, ports 255/256 and
//     65535/0), half as many, replaced every 20 packets, so that keys
//     collide, differ by a carry, and come back after their flow ended;
//   - "hostile-3port": uniform flows, every flow answered, with frames of
//     the flows also arriving on port 2, a port a two-port NF does not
//     declare.
//
// Only the last has a third port, so a failure that comes from undeclared
// ports shows there alone. The options are those of StandardTraces; o.Seed
// gives every trace its own seed.
func HostileTraces(o TraceOptions) ([]Trace, error) {
	o = o.withDefaults()
	base := traffic.Config{Ports: 2, Flows: o.Flows, Packets: o.Packets, Dist: traffic.Uniform, ZipfS: 1.1,
		Bidir: 0.5, Sizes: []int{64, 128, 594}, Seed: o.Seed, Rate: o.Rate, Start: 1_000_000_000, Proto: o.Proto,
		Hostile: 0.2, Kinds: traffic.AllKinds &^ traffic.KindExtraPort}
	variants := []variant{
		{TraceHostile, func(*traffic.Config) {}},
		{TraceHostilePool, func(c *traffic.Config) {
			c.Pool, c.Dist, c.Flows, c.Churn = true, traffic.Zipf, max(o.Flows/2, 1), o.Rate/20
		}},
		{TraceHostile3Port, func(c *traffic.Config) { c.Kinds, c.Bidir = traffic.AllKinds, 1 }},
	}
	// Seeds apart from StandardTraces', so the flows differ too.
	return generateVariants(base, o.Seed+100, variants)
}

// variant is a named edit of a base traffic configuration.
type variant struct {
	name string
	edit func(*traffic.Config)
}

// generateVariants generates one trace per variant of base, the i-th with
// seed seed+i.
func generateVariants(base traffic.Config, seed uint64, variants []variant) ([]Trace, error) {
	var out []Trace
	for i, v := range variants {
		c := base
		c.Seed = seed + uint64(i)
		v.edit(&c)
		t, err := traffic.Generate(c)
		if err != nil {
			return nil, fmt.Errorf("trace %s: %w", v.name, err)
		}
		out = append(out, Trace{Name: v.name, Trace: t})
	}
	return out, nil
}

// AllTraces returns StandardTraces followed by HostileTraces: what every
// catalog NF's differential test runs.
func AllTraces(o TraceOptions) ([]Trace, error) {
	std, err := StandardTraces(o)
	if err != nil {
		return nil, err
	}
	hostile, err := HostileTraces(o)
	if err != nil {
		return nil, err
	}
	return append(std, hostile...), nil
}

// withDefaults fills o's zero fields with the defaults TraceOptions
// documents.
func (o TraceOptions) withDefaults() TraceOptions {
	if o.Packets == 0 {
		o.Packets = 20000
		if testing.Short() {
			o.Packets = 4000
		}
	}
	if o.Flows == 0 {
		o.Flows = 400
	}
	if o.Rate == 0 {
		o.Rate = 1e6
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Proto == 0 {
		o.Proto = traffic.Mix
	}
	return o
}

// Cores are the core counts of the test matrix.
var Cores = []int{2, 4, 8, 16}

// Case is one parallel variant of an NF for CheckMatrix.
type Case struct {
	// Name names the variant in subtest names, e.g. "parallel" or "locked".
	Name string
	// Seq builds a fresh sequential NF.
	Seq func() maestro.NF
	// Par builds a fresh parallel NF for cores.
	Par func(cores int) (Parallel, error)
	// SharedNothing says the variant is shared-nothing: concurrent runs
	// must then match exactly too.
	SharedNothing bool
	// NAT, if set, compares modulo external-port mapping.
	NAT *NAT
	// Skip maps a trace name to why this variant cannot pass it yet: its
	// subtests are skipped with that reason, so a known finding stays
	// visible in the test log instead of failing every run. Use it only
	// for causes outside the NF's own code, and name the cause.
	Skip map[string]string
}

// CheckMatrix runs every case on every trace at every core count of Cores,
// in trace order (exact comparison) and concurrently (exact for
// shared-nothing cases, invariants for lock-based ones), and fails t on
// any mismatch.
func CheckMatrix(t *testing.T, traces []Trace, cases ...Case) {
	t.Helper()
	// Each trace's dispatch, per core count and RSS configuration, is
	// shared by every case and mode that programs the NIC the same way.
	dispatches := make([]dispatchCache, len(traces))
	for _, c := range cases {
		for k, tr := range traces {
			tr.Trace, _ = tr.Trace.MonotonicTimes() // as soft.Run processes it
			// The sequential results depend only on the case's Seq and
			// NAT and on the trace: computed by the first subtest that
			// needs them (so that -run still skips the work), then shared
			// by this case's other subtests on the trace. A serialised
			// run replays its own order through a fresh sequential NF.
			results := sync.OnceValue(func() *seqRun { return runSeq(c.Seq(), tr.Trace, c.NAT) })
			for _, cores := range Cores {
				for _, mode := range []Mode{TraceOrder, Concurrent} {
					name := fmt.Sprintf("%s/%s/%dcores/%s", c.Name, tr.Name, cores, mode)
					t.Run(name, func(t *testing.T) {
						if why, ok := c.Skip[tr.Name]; ok {
							t.Skip(why)
						}
						par, err := c.Par(cores)
						if err != nil {
							t.Fatal(err)
						}
						rep, err := run(par, tr.Trace, Options{Mode: mode, Exact: c.SharedNothing, NAT: c.NAT}, c.Seq, results, &dispatches[k])
						if err != nil {
							t.Fatal(err)
						}
						if err := rep.Err(); err != nil {
							t.Fatal(err)
						}
						if used := busyCores(rep.PerCore); used < min(cores, 2) {
							t.Fatalf("only %d of %d cores got packets (%v): the RSS configuration does not spread", used, cores, rep.PerCore)
						}
					})
				}
			}
		}
	}
}

func busyCores(perCore []int) int {
	n := 0
	for _, c := range perCore {
		if c > 0 {
			n++
		}
	}
	return n
}
