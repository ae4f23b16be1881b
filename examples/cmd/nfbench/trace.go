package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// trafficSpec is one -traffic name made concrete.
type trafficSpec struct {
	name  string
	dist  traffic.Dist
	sizes []int
	// churn is the fraction of packets that belong to a flow born since the
	// previous packet: the generator replaces churn*rate flows per second.
	churn float64
}

// knownTraffic lists the -traffic names for help and errors.
const knownTraffic = "uniform, zipf, imix, churnP (P = percent of packets opening a new flow, e.g. churn1)"

// parseTraffic parses one -traffic name.
func parseTraffic(name string) (trafficSpec, error) {
	t := trafficSpec{name: name, dist: traffic.Uniform, sizes: []int{64}}
	switch {
	case name == "uniform":
	case name == "zipf":
		t.dist = traffic.Zipf
	case name == "imix":
		t.sizes = append([]int(nil), traffic.IMIX...)
	case strings.HasPrefix(name, "churn"):
		p, err := strconv.ParseFloat(strings.TrimPrefix(name, "churn"), 64)
		if err != nil || !(p > 0 && p <= 100) {
			return t, fmt.Errorf("bad churn level %q: want churnP with 0 < P <= 100 (percent of packets opening a new flow)", name)
		}
		t.churn = p / 100
	default:
		return t, fmt.Errorf("unknown traffic %q (known: %s)", name, knownTraffic)
	}
	return t, nil
}

// frameRef locates one frame of a trace in its arena.
type frameRef struct {
	off  int
	n    int
	port maestro.Port
	time int64
}

// trace is generated traffic held compactly: every frame's bytes in one
// arena, the first warm frames for warming the NF up, the rest timed.
type trace struct {
	name   string
	arena  []byte
	frames []frameRef
	warm   int
}

// timed returns the number of timed frames.
func (t *trace) timed() int { return len(t.frames) - t.warm }

// genTrace generates the trace of spec: warm + packets packets of flows
// flows, 2 ports (LAN flows, WAN replies for half of them), 10 Mpps of
// trace time.
func genTrace(spec trafficSpec, flows, warm, packets int, zipfS float64, seed uint64) (*trace, error) {
	c := traffic.DefaultConfig()
	c.Flows = flows
	c.Packets = warm + packets
	c.Dist = spec.dist
	c.ZipfS = zipfS
	c.Sizes = spec.sizes
	c.Seed = seed
	c.Churn = spec.churn * c.Rate
	avg := 0
	for _, s := range c.Sizes {
		avg += s
	}
	avg /= len(c.Sizes)
	t := &trace{
		name:   spec.name,
		arena:  make([]byte, 0, c.Packets*avg),
		frames: make([]frameRef, 0, c.Packets),
		warm:   warm,
	}
	err := traffic.Each(c, func(f soft.Frame) error {
		t.frames = append(t.frames, frameRef{off: len(t.arena), n: len(f.Data), port: f.Port, time: f.Time})
		t.arena = append(t.arena, f.Data...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Load-balancer traffic: the generated flows are clients arriving on the
// WAN port, and a few backends heartbeat on the LAN port.
const (
	lbBackends       = 16
	lbHeartbeatEvery = 1024 // one heartbeat per this many client packets
)

// lbTrace turns a trace into load-balancer traffic: every frame arrives on
// the WAN port (the generator's replies become further client flows) and a
// heartbeat from one of lbBackends backends is inserted every
// lbHeartbeatEvery frames, on the LAN port, with the same timestamp as the
// frame it precedes. After warm-up the heartbeats only refresh live
// backends, so they do not add writes.
func lbTrace(t *trace, lan, wan maestro.Port) *trace {
	out := &trace{name: t.name, arena: t.arena[:len(t.arena):len(t.arena)]}
	out.frames = make([]frameRef, 0, len(t.frames)+len(t.frames)/lbHeartbeatEvery+1)
	var buf []byte
	for i, f := range t.frames {
		if i == t.warm {
			out.warm = len(out.frames)
		}
		if i%lbHeartbeatEvery == 0 {
			b := uint32(i/lbHeartbeatEvery) % lbBackends
			ip := uint32(172)<<24 | 16<<16 | b + 1
			buf = maestro.AppendFrame(buf[:0], maestro.Frame{
				EthDst: maestro.MAC{0x02, 0xff, 0, 0, 0, 1},
				EthSrc: maestro.MAC{0x02, 0xbe, 0, 0, 0, byte(b + 1)},
				SrcIP:  ip, DstIP: uint32(172)<<24 | 16<<16 | 0xfffe,
				Proto: maestro.ProtoUDP, SrcPort: 7777, DstPort: 7777, Size: 60,
			})
			out.frames = append(out.frames, frameRef{off: len(out.arena), n: len(buf), port: lan, time: f.time})
			out.arena = append(out.arena, buf...)
		}
		f.port = wan
		out.frames = append(out.frames, f)
	}
	if t.warm >= len(t.frames) {
		out.warm = len(out.frames)
	}
	return out
}

// splitter picks the core a parsed packet goes to.
type splitter func(p *maestro.Packet) int

// rssSplit returns the splitter of an RSS NIC programmed with cfgs, one
// configuration per port: Toeplitz over the 4-tuple (2-tuple when the packet
// has no L4 ports or its protocol is not hashed), the port's RETA, and
// RETA[0] for what the NIC does not hash. A packet on a port with no
// configuration goes to core 0. It is the rule soft.RSSDispatcher follows,
// written against rss.Config.Queue directly; the tests hold the two to
// agreement.
func rssSplit(cfgs []rss.Config) (splitter, error) {
	var byPort []*rss.Config
	for i := range cfgs {
		c := cfgs[i]
		if err := c.Prepare(); err != nil {
			return nil, err
		}
		if c.Fields == 0 {
			c.Fields = rss.HashIPv4All // what the solver emits: hash every IPv4 type
		}
		for len(byPort) <= c.Port {
			byPort = append(byPort, nil)
		}
		if byPort[c.Port] != nil {
			return nil, fmt.Errorf("two RSS configurations for port %d", c.Port)
		}
		byPort[c.Port] = &c
	}
	return func(p *maestro.Packet) int {
		if int(p.InPort) >= len(byPort) || byPort[p.InPort] == nil {
			return 0
		}
		c := byPort[p.InPort]
		switch {
		case !p.IsIPv4():
			return c.QueueNonIP()
		case p.HasPorts() && c.Fields.HashesPorts(p.Proto):
			return c.Queue(p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, true)
		case c.Fields&rss.HashIPv4 != 0:
			return c.Queue(p.SrcIP, p.DstIP, 0, 0, false)
		}
		return c.QueueNonIP()
	}, nil
}

// hashSplit is the plain flow-hash split used for the baselines, which need
// no packet-to-core affinity: soft.HashDispatcher, FNV-1a of the 5-tuple.
func hashSplit(cores int) splitter { return splitter(soft.HashDispatcher(cores)) }

// coreTrace is one core's share of a trace, as its RX queue would have
// received it: its own copy of the frames, contiguous, and the packets
// parsed over them.
type coreTrace struct {
	warm, timed []maestro.Packet
	// arena holds the frames the packets point into; pristine is a copy to
	// restore them from between passes, because NFs rewrite headers.
	arena, pristine []byte
	// times and ports are the timed packets' original metadata.
	times []int64
	ports []maestro.Port
}

// split distributes t over cores by s. Each frame is parsed once to choose
// its core, then copied into that core's arena and parsed there.
func split(t *trace, cores int, s splitter) []coreTrace {
	q := make([]int32, len(t.frames))
	bytes := make([]int, cores)
	nWarm := make([]int, cores)
	nTimed := make([]int, cores)
	var p maestro.Packet
	for i, f := range t.frames {
		p.Reset(t.arena[f.off:f.off+f.n], f.port, f.time)
		c := s(&p)
		if c < 0 || c >= cores {
			c = 0 // like soft.Run: an out-of-range queue means queue 0
		}
		q[i] = int32(c)
		bytes[c] += f.n
		if i < t.warm {
			nWarm[c]++
		} else {
			nTimed[c]++
		}
	}
	out := make([]coreTrace, cores)
	for c := range out {
		out[c] = coreTrace{
			warm:  make([]maestro.Packet, 0, nWarm[c]),
			timed: make([]maestro.Packet, 0, nTimed[c]),
			arena: make([]byte, 0, bytes[c]),
			times: make([]int64, 0, nTimed[c]),
			ports: make([]maestro.Port, 0, nTimed[c]),
		}
	}
	for i, f := range t.frames {
		ct := &out[q[i]]
		off := len(ct.arena)
		ct.arena = append(ct.arena, t.arena[f.off:f.off+f.n]...)
		data := ct.arena[off : off+f.n : off+f.n]
		var pk maestro.Packet
		pk.Reset(data, f.port, f.time)
		if i < t.warm {
			ct.warm = append(ct.warm, pk)
		} else {
			ct.timed = append(ct.timed, pk)
			ct.times = append(ct.times, f.time)
			ct.ports = append(ct.ports, f.port)
		}
	}
	for c := range out {
		out[c].pristine = append([]byte(nil), out[c].arena...)
	}
	return out
}

// rewind restores ct's timed frames to their original bytes and re-parses
// them, for another pass. (The timestamps are set again as the packets are
// processed.)
func (ct *coreTrace) rewind() {
	copy(ct.arena, ct.pristine)
	for i := range ct.timed {
		p := &ct.timed[i]
		p.Reset(p.Data[:cap(p.Data)], ct.ports[i], ct.times[i])
	}
}
