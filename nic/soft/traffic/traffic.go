// Package traffic generates synthetic Ethernet/IPv4 traces for Maestro's
// NFs: a set of UDP and/or TCP flows that originate on the LAN side, picked
// uniformly or by a Zipf law, optionally answered from the WAN side, with
// flows replaced over time (churn), at a given packet rate and size mix.
//
// NewSource streams the trace one frame at a time, in memory bounded by
// the flows, whatever the number of packets (nfrun and tracegen run on
// it); Generate holds it in memory as a soft.Trace, for short traces
// replayed many times, and GeneratePacked in less (8 bytes per frame
// besides its data, not 48), for traces held only to be replayed (nfrun).
// Generation is deterministic: the same Config, seed included, gives the
// same bytes.
package traffic

import (
	"errors"
	"fmt"
	"io"
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

	// Hostile is the fraction, in [0, 1], of packets that are hostile
	// traffic of the Kinds instead of a flow's next packet. Hostile frames
	// are built around a live flow picked as a regular packet would be (see
	// Kind); an event of two frames (fragments, bursts) takes two packets.
	Hostile float64
	// Kinds are the hostile kinds, picked uniformly per hostile event; 0
	// means DefaultKinds. KindExtraPort frames arrive on port Ports, so the
	// trace then has Ports+1 ports (see NumPorts).
	Kinds Kind
	// Pool draws the flows from small pools of adjacent addresses and ports
	// (eight LAN hosts 10.0.0.252-10.0.1.3, eight servers
	// 11.0.255.252-11.1.0.3, ports 0, 1, 255, 256, 65534 and 65535), so
	// that flows share hosts and ports, keys differ in one bit or by a
	// carry across bytes, and a replaced flow may get the 5-tuple of one
	// that ended (only live flows are distinct). Flows must then be at
	// most half the pools' tuples (1152 for one protocol, 2304 for Mix).
	Pool bool

	// Inbound makes the flows start on the WAN side: their packets enter
	// the last port and their replies the flow's LAN port (clients of a
	// load balancer or of a server farm, rather than of the Internet).
	Inbound bool
	// Heartbeat is the fraction, in [0, 1), of packets that are
	// heartbeats instead of a flow's next packet: UDP datagrams from one
	// of Backends hosts (10.1.0.1 up, each in turn) to 10.1.255.254 port
	// 7000, entering port 0. With Inbound, this is the traffic a load
	// balancer sees: backends announcing themselves on the LAN, clients
	// on the WAN.
	Heartbeat float64
	// Backends is the number of backends sending heartbeats (default 16
	// when Heartbeat is set).
	Backends int
	// NAT, if set, makes the replies fit a NAT between the LAN and the
	// WAN: every frame is shown to it as it is generated, and a flow's
	// replies are addressed to the external address and port it gave the
	// flow's last LAN packet, as a server answering the NAT would address
	// them (a flow not translated yet is answered as without NAT).
	NAT Translator
}

// Translator stands for the NAT a trace is generated for (Config.NAT).
type Translator interface {
	// Translate sees every generated frame, in order, as the NAT would
	// (Data is only valid during the call). For a frame of a flow's LAN
	// side that the NAT forwards to the WAN, it returns the source
	// address and port the NAT rewrote it to, and ok; otherwise ok is
	// false.
	Translate(f soft.Frame) (ip uint32, port uint16, ok bool)
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

// NumPorts returns the number of ports the trace's frames arrive on:
// Ports, and one more when hostile extra-port traffic is on.
func (c *Config) NumPorts() int {
	if c.Hostile > 0 && c.Kinds&KindExtraPort != 0 {
		return c.Ports + 1
	}
	return c.Ports
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
	case !(c.Hostile >= 0 && c.Hostile <= 1):
		return fmt.Errorf("hostile fraction %v out of range [0, 1]", c.Hostile)
	case c.Kinds&^AllKinds != 0:
		return fmt.Errorf("unknown hostile kinds %#x", uint32(c.Kinds&^AllKinds))
	case c.Hostile > 0 && c.Kinds&KindExtraPort != 0 && c.Ports >= 1<<16:
		return fmt.Errorf("no port left above %d for extra-port traffic", c.Ports-1)
	case !(c.Heartbeat >= 0 && c.Heartbeat < 1):
		return fmt.Errorf("heartbeat fraction %v out of range [0, 1)", c.Heartbeat)
	case c.Backends < 0 || c.Backends > maxBackends:
		return fmt.Errorf("heartbeat backends %d out of range [1, %d] (0: %d)", c.Backends, maxBackends, defaultBackend)
	case (c.Inbound || c.Heartbeat > 0) && c.Ports < 2:
		return errors.New("inbound flows and heartbeats need a LAN and a WAN port (ports >= 2)")
	case c.Pool && c.Flows > c.poolTuples()/2:
		return fmt.Errorf("flows %d: the address pools hold %d 5-tuples, at most half of them may be live", c.Flows, c.poolTuples())
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
	// With Config.NAT: the external address and port of the flow's last
	// translated LAN packet, if any.
	extIP   uint32
	extPort uint16
	mapped  bool
}

type tuple struct {
	src, dst     uint32
	sport, dport uint16
	proto        uint8
}

// generator holds the state of one Generate call.
type generator struct {
	cfg Config
	rng *rand.Rand
	// seen holds every 5-tuple generated so far; with Config.Pool, only
	// the live flows' ones.
	seen  map[tuple]struct{}
	flows []flow
	cdf   []float64 // Zipf: cumulative weights by rank, normalised to 1

	kinds []Kind         // enabled hostile kinds, one entry each
	out   []hostileFrame // the current hostile event's frames
	bufs  [][]byte       // their buffers, reused from event to event
	next  int            // buffers of bufs used by the current event

	beats int // heartbeats so far
}

// Generate builds the trace c describes, in memory. A long trace is better
// streamed: NewSource produces the same frames one at a time.
//
// A trace held only to be replayed takes less memory as a Packed trace
// (GeneratePacked): 8 bytes per frame besides its data, not 48.
func Generate(c Config) (*soft.Trace, error) {
	t := &soft.Trace{NumPorts: c.NumPorts()}
	if c.Packets > 0 {
		// Packets is the number of frames: growing the slice by appends
		// would leave each smaller copy behind as garbage. (Bounded: a
		// Config's Packets alone must not allocate gigabytes.)
		t.Frames = make([]soft.Frame, 0, min(c.Packets, 1<<24))
	}
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
	s, err := NewSource(c)
	if err != nil {
		return err
	}
	for {
		f, err := s.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
}

// Source produces the trace a Config describes lazily, one frame per call
// to Next: it implements soft.Source, so soft.Run can consume a trace of any
// length in memory bounded by the number of flows (and, with churn, the
// flows created so far), not by the number of packets. It yields exactly
// the frames Generate holds, in the same order.
type Source struct {
	g     *generator
	i     int // packets produced so far
	ports int

	churnGap  float64 // trace ns between flow replacements (+Inf: none)
	nextChurn float64 // trace-relative ns at which the next flow is replaced
	oldest    int     // slot of the oldest flow, the next to be replaced
	buf       []byte  // the current regular frame

	pending []hostileFrame // the rest of the current hostile event
	pendT   int64          // its first frame's time
	pendJ   int            // index of pending[0] in the event
	step    int64          // time between the event's frames
}

// NewSource checks c and returns a Source of the trace it describes.
func NewSource(c Config) (*Source, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("traffic: %w", err)
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
	if c.Hostile > 0 {
		kinds := c.Kinds
		if kinds == 0 {
			kinds = DefaultKinds
		}
		for k := Kind(1); k < kindEnd; k <<= 1 {
			if kinds&k != 0 {
				g.kinds = append(g.kinds, k)
			}
		}
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
	s := &Source{g: g, ports: c.NumPorts(), churnGap: math.Inf(1), buf: make([]byte, 0, MaxSize)}
	if c.Churn > 0 {
		s.churnGap = 1e9 / c.Churn
	}
	s.nextChurn = s.churnGap
	return s, nil
}

// Ports returns the number of ports the frames arrive on (Config.NumPorts).
func (s *Source) Ports() int { return s.ports }

// Next returns the next frame, or io.EOF after Config.Packets of them. The
// frame's Data is only valid until the next call.
func (s *Source) Next() (soft.Frame, error) {
	if len(s.pending) > 0 {
		f := s.pending[0]
		s.pending = s.pending[1:]
		s.pendJ++
		return s.translated(soft.Frame{Port: f.port, Time: s.pendT + int64(s.pendJ)*s.step, Data: f.data}, nil), nil
	}
	g, c := s.g, &s.g.cfg
	if s.i >= c.Packets {
		return soft.Frame{}, io.EOF
	}
	rel := float64(s.i) * 1e9 / c.Rate
	for s.nextChurn <= rel {
		if c.Pool {
			old := &g.flows[s.oldest]
			delete(g.seen, tuple{old.src, old.dst, old.sport, old.dport, old.proto})
		}
		g.flows[s.oldest] = g.newFlow(s.oldest)
		s.oldest = (s.oldest + 1) % len(g.flows)
		s.nextChurn += s.churnGap
	}
	t := c.Start + int64(math.Round(rel))
	// The random draws are made only for traces that use them, so that the
	// others stay what they were before heartbeats and hostile traffic
	// existed.
	if c.Heartbeat > 0 && g.rng.Float64() < c.Heartbeat {
		s.buf = g.heartbeat(s.buf[:0], g.size()-4)
		s.i++
		return s.translated(soft.Frame{Port: 0, Time: t, Data: s.buf}, nil), nil
	}
	if c.Hostile > 0 && g.rng.Float64() < c.Hostile {
		frames := g.hostile(&g.flows[g.pick()])
		n := min(len(frames), c.Packets-s.i)
		// The frames of one event follow each other within 1 µs (a reply
		// right behind its request), before the next packet's time.
		s.step = 0
		if n > 1 {
			s.step = min(int64(1+g.rng.IntN(300)), int64(1e9/c.Rate)/int64(n))
		}
		s.i += n
		s.pending, s.pendT, s.pendJ = frames[1:n], t, 0
		return s.translated(soft.Frame{Port: frames[0].port, Time: t, Data: frames[0].data}, nil), nil
	}
	fl := &g.flows[g.pick()]
	reply := fl.bidir && fl.sent%2 == 1
	fr, port := g.flowFrame(fl, reply, g.size()-4) // traces carry no FCS
	fl.sent++
	s.buf = maestro.AppendFrame(s.buf[:0], fr)
	s.i++
	f := soft.Frame{Port: port, Time: t, Data: s.buf}
	if !reply {
		return s.translated(f, fl), nil
	}
	return s.translated(f, nil), nil
}

// translated shows f to the NAT, if any, and records on fl, the flow f is
// the LAN-side packet of (nil for any other frame), the address the NAT
// gave it.
func (s *Source) translated(f soft.Frame, fl *flow) soft.Frame {
	nat := s.g.cfg.NAT
	if nat == nil {
		return f
	}
	ip, port, ok := nat.Translate(f)
	if ok && fl != nil {
		fl.extIP, fl.extPort, fl.mapped = ip, port, true
	}
	return f
}

// newFlow returns a flow with a 5-tuple never generated before in this
// trace, for slot i.
func (g *generator) newFlow(i int) flow {
	if g.cfg.Pool {
		return g.newPoolFlow(i)
	}
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
