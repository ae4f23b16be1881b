package maestrotest

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

func hostile(t *testing.T) []Trace {
	t.Helper()
	traces, err := HostileTraces(TraceOptions{Packets: 8000})
	if err != nil {
		t.Fatal(err)
	}
	return traces
}

// TestHostileTraces: the three traces exist, only the 3-port one has a
// third port, and they are the same on every call.
func TestHostileTraces(t *testing.T) {
	a, b := hostile(t), hostile(t)
	want := []string{TraceHostile, TraceHostilePool, TraceHostile3Port}
	if len(a) != len(want) {
		t.Fatalf("%d traces", len(a))
	}
	for i, tr := range a {
		if tr.Name != want[i] || tr.Trace.Len() != 8000 {
			t.Errorf("trace %d: %s with %d frames", i, tr.Name, tr.Trace.Len())
		}
		if ports := map[bool]int{true: 3, false: 2}[tr.Name == TraceHostile3Port]; tr.Trace.NumPorts != ports {
			t.Errorf("%s: %d ports, want %d", tr.Name, tr.Trace.NumPorts, ports)
		}
		for j, f := range tr.Trace.Frames {
			g := b[i].Trace.Frames[j]
			if f.Port != g.Port || f.Time != g.Time || !bytes.Equal(f.Data, g.Data) {
				t.Fatalf("%s: frame %d differs between calls", tr.Name, j)
			}
		}
	}
	all, err := AllTraces(TraceOptions{Packets: 100})
	if err != nil || len(all) != 7 {
		t.Fatalf("AllTraces: %d traces, %v", len(all), err)
	}
}

// TestDispatcherFollowsPacketContract checks the parser/NIC contract
// (fact 7 of analyzers/stateaccess) on every frame of the hostile traces: the queue the
// software NIC picks is the RETA entry of the bit-serial Toeplitz hash of
// the Packet's exposed SrcIP, DstIP, SrcPort and DstPort (zero where not
// exposed), so a sharding key read from them lands where the frame did;
// frames it does not hash go to RETA[0]; and exposed fields are the
// frame's own bytes. Port 2 has no configuration of its own and takes the
// Default one.
func TestDispatcherFollowsPacketContract(t *testing.T) {
	keys := [][]byte{make([]byte, 52), make([]byte, 52), make([]byte, 52)}
	for i, k := range keys {
		for j := range k {
			k[j] = byte(j*(31+2*i) + 7*i + 1)
		}
	}
	reta := rss.RoundRobin(512, 16)
	// Shuffle the RETA so that a wrong bucket shows as a wrong queue.
	for i := range reta {
		reta[i] = uint16((i*7 + i/16) % 16)
	}
	cfgs := []rss.Config{
		{Port: 0, Key: keys[0], Fields: rss.HashIPv4All, RETA: reta},
		{Port: 1, Key: keys[1], RETA: reta}, // Fields 0 means every IPv4 type
		{Port: 7, Key: keys[2], Fields: rss.HashIPv4All, RETA: reta, Default: true},
	}
	disp, err := soft.RSSDispatcher(cfgs...)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[maestro.Reason]int{}
	nonIP, ports2 := 0, 0
	for _, tr := range hostile(t) {
		for i, f := range tr.Trace.Frames {
			var p maestro.Packet
			p.Reset(f.Data, f.Port, f.Time)
			reasons[p.Reason]++
			c := &cfgs[rss.ConfigIndex(cfgs, int(f.Port))]
			if f.Port == 2 {
				ports2++
			}
			var in [rss.InputLen]byte
			binary.BigEndian.PutUint32(in[0:], p.SrcIP)
			binary.BigEndian.PutUint32(in[4:], p.DstIP)
			binary.BigEndian.PutUint16(in[8:], p.SrcPort)
			binary.BigEndian.PutUint16(in[10:], p.DstPort)
			want := int(reta[rss.Toeplitz(c.Key, in[:])&uint32(len(reta)-1)])
			if got := disp(&p); got != want {
				t.Fatalf("%s frame %d (port %d, %v, L3 %v, L4 %v): dispatcher queue %d, exposed fields give %d",
					tr.Name, i, f.Port, p.Reason, p.L3, p.L4, got, want)
			}
			d := p.Data
			switch {
			case !p.IsIPv4():
				nonIP++
				if p.SrcIP|p.DstIP != 0 || p.SrcPort|p.DstPort != 0 || want != int(reta[0]) {
					t.Fatalf("%s frame %d (%v): not hashed as IPv4, yet fields exposed or queue %d", tr.Name, i, p.Reason, want)
				}
			case binary.BigEndian.Uint32(d[p.L3Off+12:]) != p.SrcIP || binary.BigEndian.Uint32(d[p.L3Off+16:]) != p.DstIP:
				t.Fatalf("%s frame %d: exposed addresses are not the frame's", tr.Name, i)
			case !p.HasPorts():
				if p.SrcPort|p.DstPort != 0 {
					t.Fatalf("%s frame %d (%v, L4 %v): ports exposed without HasPorts", tr.Name, i, p.Reason, p.L4)
				}
			case binary.BigEndian.Uint16(d[p.L4Off:]) != p.SrcPort || binary.BigEndian.Uint16(d[p.L4Off+2:]) != p.DstPort:
				t.Fatalf("%s frame %d: exposed ports are not the frame's", tr.Name, i)
			}
		}
	}
	// Every path of the contract was exercised.
	for _, r := range []maestro.Reason{maestro.ReasonOK, maestro.ReasonTruncatedEth, maestro.ReasonNotIPv4, maestro.ReasonTruncatedIPv4,
		maestro.ReasonBadVersion, maestro.ReasonBadIHL, maestro.ReasonBadTotalLength, maestro.ReasonFragment, maestro.ReasonTruncatedL4} {
		if reasons[r] < 10 {
			t.Errorf("only %d frames with reason %q (%v)", reasons[r], r, reasons)
		}
	}
	if nonIP == 0 || ports2 == 0 {
		t.Errorf("%d unhashed frames, %d on port 2", nonIP, ports2)
	}
}

// srcCounter counts packets per source address and forwards on the parity
// of the count, so any state split shows in the verdicts. It has no IsIPv4
// guard: it relies on the parser/NIC contract alone. With raw set, it reads
// the source address from the frame's bytes whenever they are there, which
// breaks the contract on IPv4 frames the NIC does not hash.
type srcCounter struct {
	raw bool
	n   map[uint32]int
}

func (s *srcCounter) Process(p *maestro.Packet) maestro.Verdict {
	key := p.SrcIP
	if s.raw && p.L3 == maestro.L3IPv4 && len(p.Data) >= p.L3Off+16 {
		key = binary.BigEndian.Uint32(p.Data[p.L3Off+12:])
	}
	s.n[key]++
	return maestro.Forward(maestro.Port(s.n[key] % 2))
}

// shardedCounter is srcCounter parallelized shared-nothing by hand, with
// the RSS configuration its plan would get: every port's queue depends only
// on SrcIP, equally on every port, and port 2 (the DefaultPort of a
// two-port NF) is the Default configuration.
type shardedCounter struct {
	nfs  []*srcCounter
	cfgs []rss.Config
}

func newShardedCounter(t *testing.T, raw bool, cores int) *shardedCounter {
	t.Helper()
	p, err := rss.LookupProfile("x710")
	if err != nil {
		t.Fatal(err)
	}
	src := []rss.Bits{rss.Whole(rss.SrcIP)}
	var cs []rss.Constraint
	for port := range 3 {
		cs = append(cs, rss.Constraint{Kind: rss.DependsOnly, Port: port, Fields: src})
		if port > 0 {
			cs = append(cs, rss.Constraint{Kind: rss.SameQueue, Port: 0, Fields: src, OtherPort: port, OtherFields: src})
		}
	}
	sol, err := rss.Solve(p, 3, cs, 1)
	if err != nil {
		t.Fatal(err)
	}
	sol.Configs[2].Default = true
	cfgs, err := sol.WithCores(cores)
	if err != nil {
		t.Fatal(err)
	}
	x := &shardedCounter{cfgs: cfgs}
	for range cores {
		x.nfs = append(x.nfs, &srcCounter{raw: raw, n: map[uint32]int{}})
	}
	return x
}

func (x *shardedCounter) Cores() int        { return len(x.nfs) }
func (x *shardedCounter) RSS() []rss.Config { return rss.CopyConfigs(x.cfgs) }
func (x *shardedCounter) ProcessBurst(core int, pkts []maestro.Packet, vs []maestro.Verdict) {
	for i := range pkts {
		vs[i] = x.nfs[core].Process(&pkts[i])
	}
}

// TestContractKeepsShardsExact: an NF keyed on SrcIP with no guard at all
// stays exact on every hostile trace, third port included, because the
// fields it reads are zero wherever the NIC does not hash them. The same NF
// reading the address from the frame's bytes is caught, on a frame the NIC
// does not hash as IPv4 (the first divergent verdict may come later: the
// count's parity can agree once by chance).
func TestContractKeepsShardsExact(t *testing.T) {
	for _, tr := range hostile(t) {
		for _, cores := range Cores {
			for _, mode := range []Mode{TraceOrder, Concurrent} {
				rep, err := Run(&srcCounter{n: map[uint32]int{}}, newShardedCounter(t, false, cores), tr.Trace, Options{Mode: mode, Exact: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := rep.Err(); err != nil {
					t.Errorf("%s, %d cores: %v", tr.Name, cores, err)
				}
			}
		}
		rep, err := Run(&srcCounter{raw: true, n: map[uint32]int{}}, newShardedCounter(t, true, 4), tr.Trace, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Mismatches == 0 {
			t.Errorf("%s: a key read outside the contract went unnoticed", tr.Name)
		}
	}
}
