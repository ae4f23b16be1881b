package soft_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// script is an NF whose verdict the packet itself chooses, from its source
// port: 0 drop, 1 flood, 2 forward to the next port, 3 forward to port 7
// (which does not exist). It decrements the TTL of what it forwards, so the
// outputs show the NF's rewrites.
type script struct{ ports int }

func (s script) Process(p *maestro.Packet) maestro.Verdict {
	switch p.SrcPort % 4 {
	case 0:
		return maestro.Drop
	case 1:
		return maestro.Flood
	case 2:
		p.DecTTL()
		return maestro.Forward(maestro.Port((int(p.InPort) + 1) % s.ports))
	}
	return maestro.Forward(7)
}

// perCore runs one NF instance per core.
type perCore []maestro.NF

func (p perCore) Cores() int { return len(p) }

func (p perCore) ProcessBurst(core int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	for i := range pkts {
		verdicts[i] = p[core].Process(&pkts[i])
	}
}

func frame(id uint16) []byte {
	return maestro.AppendFrame(nil, maestro.Frame{
		SrcIP: 0x0a000000 | uint32(id), DstIP: 0x0b000001, Proto: maestro.ProtoUDP,
		SrcPort: id, DstPort: 53, Size: 60,
	})
}

// scriptTrace has n packets on 3 ports; packet i has source port i.
func scriptTrace(n int) *soft.Trace {
	t := &soft.Trace{NumPorts: 3}
	for i := range n {
		t.Add(maestro.Port(i%3), int64(i), frame(uint16(i)), 0)
	}
	return t
}

// expected computes what script must send, in input order, independently
// of the runner.
func expected(t *soft.Trace) (out []soft.Frame, ports []nic.Stats, bad uint64) {
	ports = make([]nic.Stats, t.NumPorts)
	for _, f := range t.Frames {
		var p maestro.Packet
		p.Reset(bytes.Clone(f.Data), f.Port, f.Time)
		ports[f.Port].RX++
		v := script{t.NumPorts}.Process(&p)
		switch {
		case v == maestro.Drop:
			ports[f.Port].Dropped++
		case v == maestro.Flood:
			for o := range t.NumPorts {
				if o != int(f.Port) {
					out = append(out, soft.Frame{Port: maestro.Port(o), Time: f.Time, Data: p.Data})
					ports[o].TX++
				}
			}
		default:
			o, _ := v.Port()
			if int(o) >= t.NumPorts {
				ports[f.Port].Dropped++
				bad++
				continue
			}
			out = append(out, soft.Frame{Port: o, Time: f.Time, Data: p.Data})
			ports[o].TX++
		}
	}
	return out, ports, bad
}

func sameFrames(t *testing.T, what string, got, want []soft.Frame) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames out, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i].Port != want[i].Port || got[i].Time != want[i].Time || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("%s: output %d: port %d time %d, want port %d time %d (bytes equal %v)",
				what, i, got[i].Port, got[i].Time, want[i].Port, want[i].Time, bytes.Equal(got[i].Data, want[i].Data))
		}
	}
}

func TestVerdictsAndFloodCopies(t *testing.T) {
	tr := scriptTrace(1000)
	orig := make([][]byte, len(tr.Frames))
	for i, f := range tr.Frames {
		orig[i] = bytes.Clone(f.Data)
	}
	wantOut, wantPorts, wantBad := expected(tr)
	for _, mode := range []soft.Mode{soft.TraceOrder, soft.Concurrent} {
		for _, cores := range []int{1, 2, 4} {
			name := fmt.Sprintf("%v/%d cores", mode, cores)
			nfs := make(perCore, cores)
			for i := range nfs {
				nfs[i] = script{3}
			}
			var out soft.Capture
			res, err := soft.Run(context.Background(), tr.Reader(), nfs, soft.Config{Mode: mode, Sink: &out})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sameFrames(t, name, out.Frames, wantOut)
			if !slices.Equal(res.Ports, wantPorts) || res.BadPort != wantBad || res.Packets != 1000 {
				t.Errorf("%s: ports %+v bad %d packets %d, want %+v bad %d packets 1000", name, res.Ports, res.BadPort, res.Packets, wantPorts, wantBad)
			}
			var sum nic.Stats
			for _, c := range res.Cores {
				sum.Add(c)
			}
			if tot := res.Total(); sum != (nic.Stats{RX: tot.RX, TX: tot.TX, Dropped: tot.Dropped}) {
				t.Errorf("%s: cores sum to %+v, ports to %+v", name, sum, tot)
			}
			if sum.RX != 1000 || sum.TX != 250*2+250 || sum.Dropped != 500 {
				t.Errorf("%s: totals %+v, want RX 1000, TX 750, Dropped 500", name, sum)
			}
			// The runner copies packets before the NF rewrites them.
			for i, f := range tr.Frames {
				if !bytes.Equal(f.Data, orig[i]) {
					t.Fatalf("%s: the NF modified the trace's frame %d", name, i)
				}
			}
			// The copies of a flooded frame are independent.
			fl := out.Port(2)
			if fl[0].Time != 1 {
				t.Fatalf("%s: first frame on port 2 has time %d, want the flooded packet 1", name, fl[0].Time)
			}
			fl[0].Data[0] ^= 0xff
			if other := out.Port(0); other[0].Time != 1 || other[0].Data[0] == fl[0].Data[0] {
				t.Errorf("%s: flood copies share their bytes", name)
			}
		}
	}
}

// recorder records, per core, the ids (source ports) of the packets it
// processes, and checks bursts are within limits.
type recorder struct {
	ids    [][]uint16
	global []uint16 // every id in processing order; only used in TraceOrder
	bursts []int
	mu     sync.Mutex // guards global in Concurrent mode
}

func newRecorder(cores int) *recorder {
	return &recorder{ids: make([][]uint16, cores), bursts: make([]int, cores)}
}

func (r *recorder) Cores() int { return len(r.ids) }

func (r *recorder) ProcessBurst(core int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	if len(pkts) == 0 || len(pkts) > nic.BurstSize {
		panic(fmt.Sprintf("burst of %d packets", len(pkts)))
	}
	r.bursts[core]++
	for i := range pkts {
		r.ids[core] = append(r.ids[core], pkts[i].SrcPort)
		verdicts[i] = maestro.Forward(0)
	}
	r.mu.Lock()
	for i := range pkts {
		r.global = append(r.global, pkts[i].SrcPort)
	}
	r.mu.Unlock()
}

func TestPerQueueOrder(t *testing.T) {
	const n = 5000
	tr := &soft.Trace{NumPorts: 2}
	for i := range n {
		tr.Add(maestro.Port(i%2), int64(i), frame(uint16(i)), 0)
	}
	// An uneven dispatch: long runs on one queue, then scattered ones.
	dispatch := func(p *maestro.Packet) int {
		id := int(p.SrcPort)
		if id < 1000 {
			return id / 100 % 3
		}
		return id * 7 % 5
	}
	for _, mode := range []soft.Mode{soft.TraceOrder, soft.Concurrent} {
		for _, cores := range []int{1, 3, 5} {
			rec := newRecorder(cores)
			var out soft.Capture
			_, err := soft.Run(context.Background(), tr.Reader(), rec, soft.Config{Mode: mode, Dispatch: dispatch, Sink: &out, QueueDepth: 1})
			if err != nil {
				t.Fatal(err)
			}
			want := make([][]uint16, cores)
			for i := range n {
				var p maestro.Packet
				p.Reset(tr.Frames[i].Data, tr.Frames[i].Port, 0)
				q := dispatch(&p) % cores
				want[q] = append(want[q], uint16(i))
			}
			for c := range cores {
				if !slices.Equal(rec.ids[c], want[c]) {
					t.Errorf("%v/%d cores: core %d got %d packets out of order or misrouted", mode, cores, c, len(rec.ids[c]))
				}
			}
			// Outputs are written in input order in both modes.
			for i, f := range out.Frames {
				if f.Time != int64(i) {
					t.Fatalf("%v/%d cores: output %d has time %d", mode, cores, i, f.Time)
				}
			}
			if len(out.Frames) != n {
				t.Errorf("%v/%d cores: %d outputs, want %d", mode, cores, len(out.Frames), n)
			}
			if mode == soft.TraceOrder {
				for i, id := range rec.global {
					if int(id) != i {
						t.Fatalf("trace order/%d cores: packet %d processed at position %d", id, cores, i)
					}
				}
			}
		}
	}
}

func TestTraceOrderBurstsFillUp(t *testing.T) {
	tr := scriptTrace(320)
	rec := newRecorder(1)
	if _, err := soft.Run(context.Background(), tr.Reader(), rec, soft.Config{}); err != nil {
		t.Fatal(err)
	}
	if rec.bursts[0] != 320/nic.BurstSize {
		t.Errorf("one core: %d bursts for 320 packets, want %d", rec.bursts[0], 320/nic.BurstSize)
	}
}

func TestRSSDispatcher(t *testing.T) {
	key := make([]byte, 40)
	for i := range key {
		key[i] = byte(i*37 + 11)
	}
	reta := rss.RoundRobin(128, 4)
	udpOnly := rss.Config{Port: 1, Key: key, Fields: rss.HashIPv4UDP | rss.HashIPv4, RETA: reta}
	d, err := soft.RSSDispatcher(rss.Config{Port: 0, Key: key, Fields: rss.HashIPv4All, RETA: reta}, udpOnly)
	if err != nil {
		t.Fatal(err)
	}
	ref := rss.Config{Key: key, RETA: reta} // unprepared: the slow reference path
	mk := func(port maestro.Port, f maestro.Frame) *maestro.Packet {
		var p maestro.Packet
		p.Reset(maestro.AppendFrame(nil, f), port, 0)
		return &p
	}
	spread := map[int]bool{}
	for i := range 200 {
		src, dst := 0x0a000000+uint32(i*7919), 0x0b000000+uint32(i*104729)
		sp, dp := uint16(1024+i*31), uint16(80+i)
		udp := maestro.Frame{SrcIP: src, DstIP: dst, Proto: maestro.ProtoUDP, SrcPort: sp, DstPort: dp}
		tcp := udp
		tcp.Proto = maestro.ProtoTCP
		icmp := udp
		icmp.Proto = maestro.ProtoICMP
		q := d(mk(0, udp))
		spread[q] = true
		if want := ref.Queue(src, dst, sp, dp, true); q != want {
			t.Fatalf("UDP on port 0: queue %d, want %d", q, want)
		}
		if got, want := d(mk(0, tcp)), ref.Queue(src, dst, sp, dp, true); got != want {
			t.Fatalf("TCP on port 0: queue %d, want %d", got, want)
		}
		if got, want := d(mk(0, icmp)), ref.Queue(src, dst, 0, 0, false); got != want {
			t.Fatalf("ICMP on port 0: queue %d, want %d (2-tuple)", got, want)
		}
		// Port 1 does not hash TCP ports: TCP falls back to the 2-tuple.
		if got, want := d(mk(1, tcp)), ref.Queue(src, dst, 0, 0, false); got != want {
			t.Fatalf("TCP on port 1: queue %d, want %d (2-tuple)", got, want)
		}
	}
	if len(spread) != 4 {
		t.Errorf("UDP packets reached %d of 4 queues", len(spread))
	}
	arp := &maestro.Packet{}
	arp.Reset(append(make([]byte, 12), 0x08, 0x06, 0, 1), 0, 0)
	if got := d(arp); got != int(reta[0]) {
		t.Errorf("ARP: queue %d, want RETA[0] = %d", got, reta[0])
	}
	if got := d(mk(5, maestro.Frame{SrcIP: 1, DstIP: 2, Proto: maestro.ProtoUDP, SrcPort: 3, DstPort: 4})); got != 0 {
		t.Errorf("port without configuration: queue %d, want 0", got)
	}
	if _, err := soft.RSSDispatcher(rss.Config{Port: 0, Key: key, RETA: make([]uint16, 3)}); err == nil {
		t.Error("RETA of size 3 accepted")
	}
	if _, err := soft.RSSDispatcher(udpOnly, udpOnly); err == nil {
		t.Error("two configurations for one port accepted")
	}
}

// TestRSSDispatcherDefault: a port without a configuration of its own is
// hashed with the Default one (the analysis's pseudo-port for undeclared
// ports), not sent to queue 0; two defaults are refused.
func TestRSSDispatcherDefault(t *testing.T) {
	key := make([]byte, 40)
	for i := range key {
		key[i] = byte(i*37 + 11)
	}
	other := make([]byte, 40)
	for i := range other {
		other[i] = byte(i*101 + 3)
	}
	reta := rss.RoundRobin(128, 4)
	cfgs := []rss.Config{
		{Port: 0, Key: other, RETA: reta},
		{Port: 1, Key: other, RETA: reta},
		{Port: 2, Key: key, RETA: reta, Default: true},
	}
	d, err := soft.RSSDispatcher(cfgs...)
	if err != nil {
		t.Fatal(err)
	}
	noDefault, err := soft.RSSDispatcher(cfgs[:2]...)
	if err != nil {
		t.Fatal(err)
	}
	ref := rss.Config{Key: key, RETA: reta}
	spread := map[int]bool{}
	for i := range 200 {
		src, dst := 0x0a000000+uint32(i*7919), 0x0b000000+uint32(i*104729)
		sp, dp := uint16(1024+i*31), uint16(80+i)
		frame := maestro.AppendFrame(nil, maestro.Frame{SrcIP: src, DstIP: dst, Proto: maestro.ProtoTCP, SrcPort: sp, DstPort: dp})
		want := ref.Queue(src, dst, sp, dp, true)
		for _, port := range []maestro.Port{2, 3, 9, 65535} {
			var p maestro.Packet
			p.Reset(frame, port, 0)
			if got := d(&p); got != want {
				t.Fatalf("port %d: queue %d, want the default configuration's %d", port, got, want)
			}
			if port != 2 {
				if got := noDefault(&p); got != 0 {
					t.Fatalf("port %d without a default: queue %d, want 0", port, got)
				}
			}
		}
		spread[want] = true
	}
	if len(spread) != 4 {
		t.Errorf("default port reached %d of 4 queues", len(spread))
	}
	two := append([]rss.Config(nil), cfgs...)
	two[0].Default = true
	if _, err := soft.RSSDispatcher(two...); err == nil {
		t.Error("two default configurations accepted")
	}
}

func TestHashDispatcherKeepsFlows(t *testing.T) {
	tr, err := traffic.Generate(traffic.Config{Ports: 2, Flows: 50, Packets: 2000, Sizes: []int{64}, Rate: 1e6, Bidir: 0})
	if err != nil {
		t.Fatal(err)
	}
	d := soft.HashDispatcher(4)
	type key struct{ src, dst uint32 }
	seen := map[key]int{}
	used := map[int]bool{}
	for _, f := range tr.Frames {
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		q := d(&p)
		if q < 0 || q >= 4 {
			t.Fatalf("queue %d out of range", q)
		}
		k := key{p.SrcIP, p.DstIP}
		if prev, ok := seen[k]; ok && prev != q {
			t.Fatalf("flow %x->%x on queues %d and %d", p.SrcIP, p.DstIP, prev, q)
		}
		seen[k] = q
		used[q] = true
	}
	if len(used) != 4 {
		t.Errorf("50 flows used %d of 4 queues", len(used))
	}
}

// failingSource returns n frames then an error.
type failingSource struct {
	n   int
	err error
}

func (s *failingSource) Ports() int { return 2 }

func (s *failingSource) Next() (soft.Frame, error) {
	if s.n == 0 {
		return soft.Frame{}, s.err
	}
	s.n--
	return soft.Frame{Port: maestro.Port(s.n % 2), Data: frame(uint16(s.n))}, nil
}

// failingSink fails after n writes.
type failingSink struct{ n int }

func (s *failingSink) Write(soft.Frame) error {
	if s.n == 0 {
		return errors.New("disk full")
	}
	s.n--
	return nil
}

func TestErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, mode := range []soft.Mode{soft.TraceOrder, soft.Concurrent} {
		nfs := perCore{script{2}, script{2}}
		res, err := soft.Run(context.Background(), &failingSource{n: 1000, err: boom}, nfs, soft.Config{Mode: mode})
		if !errors.Is(err, boom) || res.Packets != 1000 {
			t.Errorf("%v: source error: err %v, %d packets processed, want boom after 1000", mode, err, res.Packets)
		}
		tr := scriptTrace(3000)
		_, err = soft.Run(context.Background(), tr.Reader(), perCore{script{3}, script{3}}, soft.Config{Mode: mode, Sink: &failingSink{n: 100}})
		if err == nil || err.Error() != "disk full" {
			t.Errorf("%v: sink error: err = %v", mode, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := soft.Run(ctx, tr.Reader(), nfs, soft.Config{Mode: mode}); !errors.Is(err, context.Canceled) {
			t.Errorf("%v: cancelled: err = %v", mode, err)
		}
		if _, err := soft.Run(context.Background(), tr.Reader(), nfs, soft.Config{Mode: mode, Ports: 2}); err == nil {
			t.Errorf("%v: 2 ports for a 3-port source accepted", mode)
		}
	}
}

// gatedSource holds its second half back until a progress report arrived,
// so the test sees a report without depending on timing.
type gatedSource struct {
	*soft.TraceReader
	i    int
	half int
	gate chan struct{}
}

func (s *gatedSource) Next() (soft.Frame, error) {
	if s.i == s.half {
		<-s.gate
	}
	s.i++
	return s.TraceReader.Next()
}

func TestProgress(t *testing.T) {
	tr := scriptTrace(2 * 4096)
	src := &gatedSource{TraceReader: tr.Reader(), half: 4096, gate: make(chan struct{})}
	var once sync.Once
	var first soft.Progress
	res, err := soft.Run(context.Background(), src, nic.Sequential{NF: script{3}}, soft.Config{
		ProgressEvery: time.Millisecond,
		Progress: func(p soft.Progress) {
			once.Do(func() { first = p; close(src.gate) })
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if first.Packets > 4096 || first.Elapsed <= 0 || res.Packets != 2*4096 {
		t.Errorf("first progress %+v, result %d packets", first, res.Packets)
	}
}

func TestTraceReaderRewind(t *testing.T) {
	tr := scriptTrace(3)
	r := tr.Reader()
	for range 2 {
		for i := range 3 {
			f, err := r.Next()
			if err != nil || f.Time != int64(i) {
				t.Fatalf("frame %d: %v %v", i, f.Time, err)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("after the end: %v", err)
		}
		r.Rewind()
	}
}

func benchmarkRun(b *testing.B, mode soft.Mode, cores int) {
	tr, err := traffic.Generate(traffic.Config{Ports: 2, Flows: 40000, Packets: 1 << 16, Sizes: []int{64}, Rate: 1e7, Bidir: 0.5, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	nfs := make(perCore, cores)
	for i := range nfs {
		nfs[i] = script{2}
	}
	b.ReportAllocs()
	b.ResetTimer()
	var packets uint64
	for b.Loop() {
		res, err := soft.Run(context.Background(), tr.Reader(), nfs, soft.Config{Mode: mode})
		if err != nil {
			b.Fatal(err)
		}
		packets += res.Packets
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(packets), "ns/pkt")
	b.ReportMetric(float64(packets)/b.Elapsed().Seconds()/1e6, "Mpps")
}

func BenchmarkRunTraceOrder(b *testing.B) { benchmarkRun(b, soft.TraceOrder, 1) }

func BenchmarkRunConcurrent(b *testing.B) {
	for _, cores := range []int{1, 2} {
		b.Run(fmt.Sprintf("cores=%d", cores), func(b *testing.B) { benchmarkRun(b, soft.Concurrent, cores) })
	}
}

func TestNoAllocationPerPacket(t *testing.T) {
	small, big := scriptTrace(1000), scriptTrace(20000)
	allocs := func(tr *soft.Trace, mode soft.Mode) float64 {
		nfs := perCore{script{3}, script{3}}
		return testing.AllocsPerRun(3, func() {
			if _, err := soft.Run(context.Background(), tr.Reader(), nfs, soft.Config{Mode: mode}); err != nil {
				t.Fatal(err)
			}
		})
	}
	if a, b := allocs(small, soft.TraceOrder), allocs(big, soft.TraceOrder); b != a {
		t.Errorf("trace order: %v allocations for 1000 packets, %v for 20000", a, b)
	}
	// Concurrent mode allocates packet buffers lazily, up to a fixed pool.
	if a, b := allocs(small, soft.Concurrent), allocs(big, soft.Concurrent); b > a+1000 {
		t.Errorf("concurrent: %v allocations for 1000 packets, %v for 20000", a, b)
	}
}
