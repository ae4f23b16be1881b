// Package traffic generates synthetic Ethernet/IPv4 traces for Maestro's
// NFs: a set of UDP and/or TCP flows that originate on the LAN side, picked
// uniformly or by a Zipf law, optionally answered from the WAN side, with
// flows replaced over time (churn), at a given packet rate and size mix.
//
// The result is a soft.Trace in memory, ready to replay through
// soft.Run or to write as one pcap per port (examples/cmd/tracegen does).
// Generation is deterministic: the same Config, seed included, gives the
// same bytes.
package traffic

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Dist is how packets pick their flow.
type Dist int

// Flow popularity distributions.
const (
	Uniform Dist = iota // every live flow equally likely
	Zipf                // flow of rank k (0-based) with weight 1/(k+1)^ZipfS
)

// String returns "uniform" or "zipf".
func (d Dist) String() string {
	switch d {
	case Uniform:
		return "uniform"
	case Zipf:
		return "zipf"
	}
	return fmt.Sprintf("dist(%d)", int(d))
}

// ParseDist parses "uniform" or "zipf".
func ParseDist(s string) (Dist, error) {
	switch s {
	case "uniform":
		return Uniform, nil
	case "zipf":
		return Zipf, nil
	}
	return 0, fmt.Errorf("unknown distribution %q (want uniform or zipf)", s)
}

// Proto is the transport protocol of the generated flows.
type Proto int

// Flow protocols.
const (
	UDP Proto = iota // every flow UDP
	TCP              // every flow TCP (SYN, SYN-ACK, then ACKs)
	Mix              // each flow UDP or TCP with equal probability
)

// String returns "udp", "tcp" or "mix".
func (p Proto) String() string {
	switch p {
	case UDP:
		return "udp"
	case TCP:
		return "tcp"
	case Mix:
		return "mix"
	}
	return fmt.Sprintf("proto(%d)", int(p))
}

// ParseProto parses "udp", "tcp" or "mix".
func ParseProto(s string) (Proto, error) {
	switch s {
	case "udp":
		return UDP, nil
	case "tcp":
		return TCP, nil
	case "mix":
		return Mix, nil
	}
	return 0, fmt.Errorf("unknown protocol %q (want udp, tcp or mix)", s)
}

// Frame size limits, on the wire with the 4-byte FCS (the FCS is not
// stored in traces).
const (
	MinSize = 64
	MaxSize = 9018 // jumbo frame
)

// IMIX is the simple Internet mix: 7 frames of 64 bytes, 4 of 594 and 1 of
// 1518 (IP packets of 40, 576 and 1500 bytes).
var IMIX = []int{64, 64, 64, 64, 64, 64, 64, 594, 594, 594, 594, 1518}

// ParseSizes parses a size specification: one size ("64"), "imix", or a
// comma-separated list of sizes picked uniformly ("64,512,1518"). Sizes are
// Ethernet frame sizes with the FCS, between MinSize and MaxSize.
func ParseSizes(s string) ([]int, error) {
	if s == "imix" {
		return append([]int(nil), IMIX...), nil
	}
	var sizes []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("bad frame size %q (want a number, a comma list or imix)", part)
		}
		if n < MinSize || n > MaxSize {
			return nil, fmt.Errorf("frame size %d out of range [%d, %d]", n, MinSize, MaxSize)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// Config describes a trace.
type Config struct {
	// Ports is the number of ports (at least 1). Flows originate on ports
	// 0..Ports-2 (flow i on port i mod (Ports-1)), the LAN side; replies
	// enter the last port, the WAN side. With one port, everything arrives
	// on port 0.
	Ports int
	// Flows is the number of live flows at any time.
	Flows int
	// Packets is the number of packets, replies included.
	Packets int
	// Dist is how a packet picks its flow; ZipfS is the Zipf exponent
	// (>= 0; 0 is uniform).
	Dist  Dist
	ZipfS float64
	// Bidir is the fraction of flows, in [0, 1], that are answered: their
	// packets alternate between the flow's direction (first) and replies
	// entering the WAN port with addresses, ports and MACs swapped.
	Bidir float64
	// Churn is how many new flows per second (of trace time) replace the
	// oldest live ones; 0 keeps the same flows throughout.
	Churn float64
	// Sizes are the frame sizes on the wire, FCS included, picked uniformly
	// per packet; see ParseSizes.
	Sizes []int
	// Seed seeds the generator: the same Config gives the same trace.
	Seed uint64
	// Rate is the packet rate in packets per second: packet i arrives at
	// Start + i/Rate.
	Rate float64
	// Start is the first packet's time in nanoseconds since the Unix epoch.
	Start int64
	// Proto is the flows' transport protocol.
	Proto Proto
}

// DefaultConfig returns the paper's standard traffic: 40,000 uniform UDP
// flows of 64-byte frames, a million packets at 10 Mpps, half of the flows
// answered, no churn.
func DefaultConfig() Config {
	return Config{
		Ports:   2,
		Flows:   40000,
		Packets: 1000000,
		Dist:    Uniform,
		ZipfS:   1.1,
		Bidir:   0.5,
		Sizes:   []int{64},
		Seed:    1,
		Rate:    10e6,
		Start:   1_000_000_000,
		Proto:   UDP,
	}
}

// maxFlows bounds Flows: every flow needs a distinct 5-tuple and a slot.
const maxFlows = 1 << 24

// Validate reports the first invalid field of c.
func (c *Config) Validate() error {
	switch {
	case c.Ports < 1 || c.Ports > 1<<16:
		return fmt.Errorf("ports %d out of range [1, %d]", c.Ports, 1<<16)
	case c.Flows < 1 || c.Flows > maxFlows:
		return fmt.Errorf("flows %d out of range [1, %d]", c.Flows, maxFlows)
	case c.Packets < 0:
		return fmt.Errorf("packets %d is negative", c.Packets)
	case c.Dist != Uniform && c.Dist != Zipf:
		return fmt.Errorf("unknown distribution %v", c.Dist)
	case !(c.ZipfS >= 0) || math.IsInf(c.ZipfS, 0):
		return fmt.Errorf("zipf exponent %v must be a finite number >= 0", c.ZipfS)
	case !(c.Bidir >= 0 && c.Bidir <= 1):
		return fmt.Errorf("bidir fraction %v out of range [0, 1]", c.Bidir)
	case !(c.Churn >= 0) || math.IsInf(c.Churn, 0):
		return fmt.Errorf("churn %v must be a finite number >= 0 (new flows per second)", c.Churn)
	case !(c.Rate > 0) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("rate %v must be a finite number > 0 (packets per second)", c.Rate)
	case c.Start < 0:
		return fmt.Errorf("start time %d is negative", c.Start)
	case c.Proto != UDP && c.Proto != TCP && c.Proto != Mix:
		return fmt.Errorf("unknown protocol %v", c.Proto)
	case len(c.Sizes) == 0:
		return errors.New("no frame sizes")
	}
	for _, s := range c.Sizes {
		if s < MinSize || s > MaxSize {
			return fmt.Errorf("frame size %d out of range [%d, %d]", s, MinSize, MaxSize)
		}
	}
	// The last packet's time must fit in an int64 of nanoseconds.
	if end := float64(c.Start) + float64(c.Packets)*1e9/c.Rate; end >= math.MaxInt64/2 {
		return fmt.Errorf("%d packets at %v packets per second end beyond the representable time", c.Packets, c.Rate)
	}
	return nil
}

// flow is one live flow as seen from the LAN.
type flow struct {
	src, dst     uint32
	sport, dport uint16
	proto        uint8
	port         maestro.Port // LAN port it originates on
	bidir        bool
	sent         int // packets so far, both directions
}

type tuple struct {
	src, dst     uint32
	sport, dport uint16
	proto        uint8
}

// generator holds the state of one Generate call.
type generator struct {
	cfg   Config
	rng   *rand.Rand
	seen  map[tuple]struct{}
	flows []flow
	cdf   []float64 // Zipf: cumulative weights by rank, normalised to 1
}

// Generate builds the trace c describes, in memory.
func Generate(c Config) (*soft.Trace, error) {
	t := &soft.Trace{NumPorts: c.Ports}
	err := Each(c, func(f soft.Frame) error {
		t.Add(f.Port, f.Time, f.Data, 0)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Each generates the trace c describes one frame at a time, in arrival
// order, calling fn for each: what Generate does, without holding the trace
// in memory (tracegen writes big traces this way). f.Data is only valid
// during the call. Each stops at fn's first error and returns it.
func Each(c Config, fn func(f soft.Frame) error) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("traffic: %w", err)
	}
	g := &generator{
		cfg: c,
		// PCG is fully specified, so a seed gives the same stream on every
		// platform and Go release.
		rng:   rand.New(rand.NewPCG(c.Seed, 0x6d61657374726f)),
		seen:  make(map[tuple]struct{}, c.Flows),
		flows: make([]flow, c.Flows),
	}
	for i := range g.flows {
		g.flows[i] = g.newFlow(i)
	}
	if c.Dist == Zipf && c.ZipfS > 0 {
		g.cdf = make([]float64, c.Flows)
		sum := 0.0
		for k := range g.cdf {
			sum += math.Pow(float64(k+1), -c.ZipfS)
			g.cdf[k] = sum
		}
		for k := range g.cdf {
			g.cdf[k] /= sum
		}
	}

	wan := maestro.Port(c.Ports - 1)
	churnGap := math.Inf(1)
	if c.Churn > 0 {
		churnGap = 1e9 / c.Churn
	}
	nextChurn := churnGap // trace-relative ns at which the next flow is replaced
	oldest := 0           // slot of the oldest flow, the next to be replaced
	buf := make([]byte, 0, MaxSize)
	for i := range c.Packets {
		rel := float64(i) * 1e9 / c.Rate
		for nextChurn <= rel {
			g.flows[oldest] = g.newFlow(oldest)
			oldest = (oldest + 1) % len(g.flows)
			nextChurn += churnGap
		}
		fl := &g.flows[g.pick()]
		reply := fl.bidir && fl.sent%2 == 1
		fr := maestro.Frame{
			EthSrc: hostMAC(fl.src), EthDst: hostMAC(fl.dst),
			SrcIP: fl.src, DstIP: fl.dst, SrcPort: fl.sport, DstPort: fl.dport,
			Proto: fl.proto,
			Size:  g.size() - 4, // traces carry no FCS
		}
		if fl.proto == maestro.ProtoTCP {
			switch {
			case fl.sent == 0:
				fr.TCPFlags = 0x02 // SYN
			case fl.sent == 1 && reply:
				fr.TCPFlags = 0x12 // SYN-ACK
			default:
				fr.TCPFlags = 0x10 // ACK
			}
		}
		port := fl.port
		if reply {
			fr.EthSrc, fr.EthDst = fr.EthDst, fr.EthSrc
			fr.SrcIP, fr.DstIP = fr.DstIP, fr.SrcIP
			fr.SrcPort, fr.DstPort = fr.DstPort, fr.SrcPort
			port = wan
		}
		fl.sent++
		buf = maestro.AppendFrame(buf[:0], fr)
		if err := fn(soft.Frame{Port: port, Time: c.Start + int64(math.Round(rel)), Data: buf}); err != nil {
			return err
		}
	}
	return nil
}

// newFlow returns a flow with a 5-tuple never generated before in this
// trace, for slot i.
func (g *generator) newFlow(i int) flow {
	for {
		f := flow{
			src:   10<<24 | g.rng.Uint32()&0xffffff,                         // LAN host in 10/8
			dst:   uint32(11+g.rng.IntN(212))<<24 | g.rng.Uint32()&0xffffff, // public-looking server
			sport: uint16(1024 + g.rng.IntN(65536-1024)),                    // ephemeral port
			dport: uint16(1 + g.rng.IntN(65535)),                            // any service port
			proto: maestro.ProtoUDP,
			bidir: g.rng.Float64() < g.cfg.Bidir,
		}
		switch g.cfg.Proto {
		case TCP:
			f.proto = maestro.ProtoTCP
		case Mix:
			if g.rng.IntN(2) == 1 {
				f.proto = maestro.ProtoTCP
			}
		}
		if g.cfg.Ports > 1 {
			f.port = maestro.Port(i % (g.cfg.Ports - 1))
		}
		k := tuple{f.src, f.dst, f.sport, f.dport, f.proto}
		if _, dup := g.seen[k]; dup {
			continue
		}
		g.seen[k] = struct{}{}
		return f
	}
}

// pick returns the slot of the next packet's flow.
func (g *generator) pick() int {
	if g.cdf == nil {
		return g.rng.IntN(len(g.flows))
	}
	u := g.rng.Float64()
	k := sort.SearchFloat64s(g.cdf, u)
	return min(k, len(g.flows)-1)
}

func (g *generator) size() int {
	if len(g.cfg.Sizes) == 1 {
		return g.cfg.Sizes[0]
	}
	return g.cfg.Sizes[g.rng.IntN(len(g.cfg.Sizes))]
}

// hostMAC is the locally administered MAC address of the host with IPv4
// address ip: 02:00 followed by the address, so each host has one MAC and a
// reply's MACs are the request's swapped.
func hostMAC(ip uint32) maestro.MAC {
	return maestro.MAC{0x02, 0x00, byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}
}
