// Package advtest holds what the differential tests of the adversarial NFs
// share: one call that runs maestrotest.CheckMatrix on the standard traces
// plus the traces a pattern needs, and builders for those traces (ICMP
// mixed into TCP/UDP traffic, a third port, small address pools, spoofed
// NAT replies).
//
// The traces are built to exercise each pattern: an NF whose plan is wrong
// for its pattern must show mismatches on them, not only in theory.
package advtest

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// Options of Check.
type Options struct {
	// Extra traces run besides maestrotest.StandardTraces.
	Extra []maestrotest.Trace
	// NoStandard skips the standard and hostile traces (for NFs with more than two
	// ports, whose standard traces would not reach every port).
	NoStandard bool
	// NAT compares modulo external-port mapping.
	NAT *maestrotest.NAT
	// Skip maps a trace name to why this NF cannot run it (a trace with
	// fewer ports than the NF forwards to).
	Skip map[string]string
}

// Check runs the differential test of a generated parallel NF: par is the
// generated NewParallel, seq the sequential constructor. Whether the
// parallel NF is shared-nothing is read from the generated type (only the
// shared-nothing one has Instance(core) *T), so the test stays right when
// the plan changes from shared-nothing to locks on regeneration:
// shared-nothing NFs are compared exactly in concurrent runs too, lock-based
// ones on invariants there (and exactly in trace order in both cases).
func Check[T any](t *testing.T, seq func() maestro.NF, par func(cores int) (maestrotest.Parallel, error), o Options) {
	t.Helper()
	var traces []maestrotest.Trace
	if !o.NoStandard {
		// The standard traces and the hostile ones (ICMP, malformed,
		// truncated and fragmented frames, small adjacent pools, spoofed
		// replies, a third port, microsecond-close replies).
		std, err := allTraces()
		if err != nil {
			t.Fatal(err)
		}
		traces = append(traces, std...)
	}
	traces = append(traces, o.Extra...)
	probe, err := par(2)
	if err != nil {
		t.Fatal(err)
	}
	_, sn := probe.(interface{ Instance(int) *T })
	maestrotest.CheckMatrix(t, traces, maestrotest.Case{Name: "parallel", Seq: seq, Par: par, SharedNothing: sn, NAT: o.NAT, Skip: o.Skip})
}

// allTraces makes the standard and hostile traces once per test binary:
// every NF's test reads the same ones (the harness copies each frame
// before an NF sees it), and the harness caches each trace's dispatch.
var allTraces = sync.OnceValues(func() ([]maestrotest.Trace, error) {
	return maestrotest.AllTraces(maestrotest.TraceOptions{})
})

// Uniform returns the standard uniform trace (the first of
// maestrotest.StandardTraces), shared like allTraces's. It fails t on
// error.
func Uniform(t *testing.T) maestrotest.Trace {
	t.Helper()
	trs, err := allTraces()
	if err != nil {
		t.Fatal(err)
	}
	if trs[0].Name != "uniform" {
		t.Fatalf("the first standard trace is %q, want uniform", trs[0].Name)
	}
	return trs[0]
}

// packets is the length of the extra traces: like the standard traces,
// shorter with -short.
func packets() int {
	if testing.Short() {
		return 4000
	}
	return 20000
}

// Generate returns traffic.Generate(c) named name, with Packets, Rate and
// Start defaulted like the standard traces. It fails t on error.
func Generate(t *testing.T, name string, c traffic.Config) maestrotest.Trace {
	t.Helper()
	if c.Packets == 0 {
		c.Packets = packets()
	}
	if c.Rate == 0 {
		c.Rate = 1e6
	}
	if c.Start == 0 {
		c.Start = 1_000_000_000
	}
	if c.Flows == 0 {
		c.Flows = 400
	}
	if c.Ports == 0 {
		c.Ports = 2
	}
	if len(c.Sizes) == 0 {
		c.Sizes = []int{64}
	}
	if c.Seed == 0 {
		c.Seed = 11
	}
	tr, err := traffic.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return maestrotest.Trace{Name: name, Trace: tr}
}

// hostMAC is traffic's MAC convention: 02:00 and the IPv4 address.
func hostMAC(ip uint32) maestro.MAC {
	return maestro.MAC{0x02, 0x00, byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}
}

// Frame builds one frame.
func Frame(src, dst uint32, proto uint8, sport, dport uint16) []byte {
	return maestro.AppendFrame(nil, maestro.Frame{EthSrc: hostMAC(src), EthDst: hostMAC(dst),
		SrcIP: src, DstIP: dst, Proto: proto, SrcPort: sport, DstPort: dport, Size: 60})
}

// Interleave returns a copy of tr with, after every every-th frame, the
// frame extra(rng) returns (port and bytes), at the same time as the frame
// before it.
func Interleave(name string, tr maestrotest.Trace, every int, seed uint64, extra func(rng *rand.Rand) (maestro.Port, []byte)) maestrotest.Trace {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	out := &soft.Trace{NumPorts: tr.Trace.NumPorts}
	for i, f := range tr.Trace.Frames {
		out.Add(f.Port, f.Time, f.Data, f.Len)
		if i%every == every-1 {
			port, data := extra(rng)
			if int(port) >= out.NumPorts {
				out.NumPorts = int(port) + 1
			}
			out.Add(port, f.Time, data, 0)
		}
	}
	return maestrotest.Trace{Name: name, Trace: out}
}

// WithICMP mixes ICMP frames into tr: one after every every-th frame, on
// port, from a random LAN host (10/8) to a random server, so that many
// sources send ICMP and RSS spreads them over every core.
func WithICMP(tr maestrotest.Trace, every int, port maestro.Port) maestrotest.Trace {
	return Interleave(tr.Name+"+icmp", tr, every, 3, func(rng *rand.Rand) (maestro.Port, []byte) {
		src := 10<<24 | rng.Uint32()&0xffffff
		dst := uint32(11+rng.IntN(200))<<24 | rng.Uint32()&0xffffff
		return port, Frame(src, dst, maestro.ProtoICMP, 0, 0)
	})
}

// WithSpoofed mixes unsolicited WAN frames into a NAT's trace: one after
// every every-th frame, on port wan, from a random server and port to the
// NAT's external address and a random external port in [start,
// start+span). Those ports belong to live flows of the sequential NAT
// (which hands them out from start) but to other flows, or none, on each
// core of a shared-nothing one.
func WithSpoofed(tr maestrotest.Trace, every int, wan maestro.Port, extIP uint32, start uint16, span int) maestrotest.Trace {
	return Interleave(tr.Name+"+spoofed", tr, every, 5, func(rng *rand.Rand) (maestro.Port, []byte) {
		src := uint32(11+rng.IntN(200))<<24 | rng.Uint32()&0xffffff
		return wan, Frame(src, extIP, maestro.ProtoUDP, uint16(1+rng.IntN(65535)), start+uint16(rng.IntN(span)))
	})
}

// Pools describes SmallPools traffic: hosts drawn from small address pools
// so that many packets share address prefixes (and, with few bits, whole
// addresses) while RSS still spreads them.
type Pools struct {
	Src, Dst         uint32 // base addresses of the client and server pools
	SrcBits, DstBits int    // pool sizes: 1<<SrcBits clients, 1<<DstBits servers
	// Replies, when set, sends half of the packets as replies on port 1
	// (addresses and ports swapped); otherwise every packet enters port 0.
	Replies bool
}

// SmallPools returns a trace of UDP and TCP packets between the clients and
// servers of o, with random ports (from a small set, so that 5-tuples
// repeat), at 1 Mpps.
func SmallPools(name string, o Pools) maestrotest.Trace {
	rng := rand.New(rand.NewPCG(7, uint64(o.SrcBits)<<8|uint64(o.DstBits)))
	tr := &soft.Trace{NumPorts: 2}
	for i := range packets() {
		src := o.Src + rng.Uint32N(1<<o.SrcBits)
		dst := o.Dst + rng.Uint32N(1<<o.DstBits)
		sport := uint16(40000 + rng.IntN(4))
		dport := uint16(53 + rng.IntN(2)*27)
		proto := uint8(maestro.ProtoUDP)
		if rng.IntN(2) == 1 {
			proto = maestro.ProtoTCP
		}
		port := maestro.Port(0)
		if o.Replies && rng.IntN(2) == 1 {
			src, dst, sport, dport, port = dst, src, dport, sport, 1
		}
		tr.Add(port, 1_000_000_000+int64(i)*1000, Frame(src, dst, proto, sport, dport), 0)
	}
	return maestrotest.Trace{Name: name, Trace: tr}
}

// MovePort returns a copy of tr where each frame enters the port move
// returns for it (given its port and parsed packet): e.g. replies of half of
// the hosts on a third port.
func MovePort(name string, tr maestrotest.Trace, move func(port maestro.Port, p *maestro.Packet) maestro.Port) maestrotest.Trace {
	out := &soft.Trace{NumPorts: tr.Trace.NumPorts}
	var p maestro.Packet
	for _, f := range tr.Trace.Frames {
		p.Reset(f.Data, f.Port, f.Time)
		port := move(f.Port, &p)
		out.NumPorts = max(out.NumPorts, int(port)+1)
		out.Add(port, f.Time, f.Data, f.Len)
	}
	return maestrotest.Trace{Name: name, Trace: out}
}

// OddServerMoves is a MovePort function for two-port traces (LAN 0, WAN 1):
// the packets of servers with an odd address enter port off+0 (LAN side)
// or off+1 (WAN side) instead.
func OddServerMoves(lan, wan maestro.Port) func(maestro.Port, *maestro.Packet) maestro.Port {
	return func(port maestro.Port, p *maestro.Packet) maestro.Port {
		switch {
		case port == 0 && p.DstIP&1 == 1:
			return lan
		case port == 1 && p.SrcIP&1 == 1:
			return wan
		}
		return port
	}
}

// Bidir returns a bidirectional two-port trace (every flow answered).
func Bidir(t *testing.T, name string) maestrotest.Trace {
	return Generate(t, name, traffic.Config{Bidir: 1, Proto: traffic.Mix})
}

// Heartbeat returns a trace that tells apart NFs whose expiry runs on every
// packet from NFs whose expiry runs only on some: in each round, 200 new
// LAN flows send one packet; then one LAN flow (the heartbeat, TCP with the
// flags hbFlags, so on one core) keeps sending for 2*timeout+1ms; then
// every flow gets its reply on the WAN port. A
// sequential NF that expires on the heartbeat has forgotten every flow by
// then; a shared-nothing one only the flows of the heartbeat's core.
func Heartbeat(name string, timeout int64, hbFlags uint8) maestrotest.Trace {
	rng := rand.New(rand.NewPCG(13, 17))
	tr := &soft.Trace{NumPorts: 2}
	hb := maestro.AppendFrame(nil, maestro.Frame{EthSrc: hostMAC(0x0a000001), EthDst: hostMAC(0x0b000001),
		SrcIP: 0x0a000001, DstIP: 0x0b000001, Proto: maestro.ProtoTCP, SrcPort: 1000, DstPort: 80, TCPFlags: hbFlags, Size: 60})
	t := int64(1_000_000_000)
	rounds := 2 + packets()/2000
	for range rounds {
		type flow struct {
			src, dst     uint32
			sport, dport uint16
		}
		flows := make([]flow, 200)
		for i := range flows {
			fl := flow{10<<24 | rng.Uint32()&0xffffff, uint32(11+rng.IntN(200))<<24 | rng.Uint32()&0xffffff,
				uint16(1024 + rng.IntN(60000)), uint16(1 + rng.IntN(65535))}
			flows[i] = fl
			tr.Add(0, t, Frame(fl.src, fl.dst, maestro.ProtoUDP, fl.sport, fl.dport), 0)
			t += 1000
		}
		start := t
		for ; t < start+2*timeout+1_000_000; t += 50_000 {
			tr.Add(0, t, hb, 0)
		}
		for _, fl := range flows {
			tr.Add(1, t, Frame(fl.dst, fl.src, maestro.ProtoUDP, fl.dport, fl.sport), 0)
			t += 1000
		}
		t += 2 * timeout
	}
	return maestrotest.Trace{Name: name, Trace: tr}
}

// sharded is a shared-nothing parallelisation by hand: one sequential NF
// per core, and the RSS configuration given.
type sharded struct {
	nfs []maestro.NF
	cfg []rss.Config
}

func (s *sharded) Cores() int        { return len(s.nfs) }
func (s *sharded) RSS() []rss.Config { return rss.CopyConfigs(s.cfg) }
func (s *sharded) ProcessBurst(core int, pkts []maestro.Packet, vs []maestro.Verdict) {
	for i := range pkts {
		vs[i] = s.nfs[core].Process(&pkts[i])
	}
}

// Backwards returns tr with every every-th packet moved step nanoseconds
// back in time, as in a capture merged from several queues: soft.Run
// processes such a packet at the time of the packet before it, and a
// shared-nothing NF's per-core expiry then still equals the sequential
// NF's.
func Backwards(name string, tr maestrotest.Trace, every int, step int64) maestrotest.Trace {
	frames := slices.Clone(tr.Trace.Frames)
	for i := every - 1; i < len(frames); i += every {
		frames[i].Time -= step
	}
	return maestrotest.Trace{Name: name, Trace: &soft.Trace{Frames: frames, NumPorts: tr.Trace.NumPorts}}
}

// Sharded returns the shared-nothing NF an analysis that believed the
// constraints cs would generate: cores instances built by newNF, each
// with its own state, behind RSS keys solved for cs (generic NIC profile,
// ports ports). It fails t if cs has no spreading solution.
func Sharded(t *testing.T, cores, ports int, newNF func() maestro.NF, cs ...rss.Constraint) maestrotest.Parallel {
	t.Helper()
	prof, err := rss.LookupProfile("generic")
	if err != nil {
		t.Fatal(err)
	}
	sol, err := rss.Solve(prof, ports, cs, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfgs, err := rss.ForCores(sol.Configs, prof.RETASize, cores)
	if err != nil {
		t.Fatal(err)
	}
	s := &sharded{cfg: cfgs}
	for range cores {
		s.nfs = append(s.nfs, newNF())
	}
	return s
}

// CatchesPlan checks that tr is sharp enough for the NF newNF builds: the
// shared-nothing NF that a wrong plan with constraints cs would give
// (Sharded, 4 cores) must differ from the sequential NF on tr. It guards
// the differential test against traffic that never exercises the pattern.
func CatchesPlan(t *testing.T, tr maestrotest.Trace, nat *maestrotest.NAT, newNF func() maestro.NF, cs ...rss.Constraint) {
	t.Helper()
	par := Sharded(t, 4, max(tr.Trace.NumPorts, 2), newNF, cs...)
	rep, err := maestrotest.Run(newNF(), par, tr.Trace, maestrotest.Options{NAT: nat})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches == 0 {
		t.Errorf("%s: the wrong plan %v goes unnoticed: the trace does not exercise the pattern", tr.Name, cs)
	}
}

// Same returns the constraints of one key read from fields on every one
// of ports: each port depends only on fields, and equal fields reach the
// same queue on every port.
func Same(ports int, fields ...rss.Bits) []rss.Constraint {
	var cs []rss.Constraint
	for p := range ports {
		cs = append(cs, rss.DependsOn(p, "", fields...))
		if p > 0 {
			cs = append(cs, rss.Same(0, fields, p, fields, ""))
		}
	}
	return cs
}

// NAT describes a NAT-shaped adversarial NF for CheckNAT and
// CatchesServerSharding: its ports, its external address, its first
// external port and its flow timeout.
type NAT struct {
	LAN, WAN   maestro.Port
	ExternalIP uint32
	StartPort  uint16
	Timeout    time.Duration
}

// compare is how maestrotest compares n's runs: modulo the external ports.
func (n NAT) compare() *maestrotest.NAT {
	return &maestrotest.NAT{ExternalIP: n.ExternalIP, LAN: n.LAN, WAN: n.WAN, Timeout: int64(n.Timeout)}
}

// Spoofed is the bidirectional trace with, every 4 packets, an
// unsolicited WAN packet to one of n's first 512 external ports from a
// random server.
func (n NAT) Spoofed(t *testing.T) maestrotest.Trace {
	t.Helper()
	return WithSpoofed(Bidir(t, "bidir"), 4, n.WAN, n.ExternalIP, n.StartPort, 512)
}

// CheckNAT is Check for a NAT-shaped NF: compared modulo the external
// ports, on the standard traces and n.Spoofed.
func CheckNAT[T any](t *testing.T, n NAT, seq func() maestro.NF, par func(cores int) (maestrotest.Parallel, error)) {
	t.Helper()
	Check[T](t, seq, par, Options{NAT: n.compare(), Extra: []maestrotest.Trace{n.Spoofed(t)}})
}

// CatchesServerSharding checks that n.Spoofed exercises the pattern the
// NF is about: the catalog NAT's plan, sharding by server (LAN DstIP, WAN
// SrcIP) under the verified-access rule, must give newNF mismatches.
func CatchesServerSharding(t *testing.T, n NAT, newNF func() maestro.NF) {
	t.Helper()
	ip := []rss.Bits{rss.Whole(rss.DstIP)}
	CatchesPlan(t, n.Spoofed(t), n.compare(), newNF,
		rss.DependsOn(0, "", ip...), rss.DependsOn(1, "", rss.Whole(rss.SrcIP)),
		rss.Same(0, ip, 1, []rss.Bits{rss.Whole(rss.SrcIP)}, ""))
}
