package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// jsonRun runs nfrun in process with -json and decodes its summary.
func jsonRun(t *testing.T, args ...string) *Summary {
	t.Helper()
	stdout, stderr, code := runInProcess(append(args, "-json", "-progress", "0")...)
	if code != exitOK {
		t.Fatalf("nfrun %q: exit %d, stderr %q", args, code, stderr)
	}
	var s Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("nfrun %q -json: %v\n%s", args, err, stdout)
	}
	return &s
}

// TestJSONSummary: -json prints one JSON document whose counts are those of
// the run: the NOP forwards every packet to the other port, so each port
// sends what the other received, bytes included (60-byte frames without
// FCS).
func TestJSONSummary(t *testing.T) {
	s := jsonRun(t, "-nf", "nop", "-packets", "5000", "-cores", "2")
	if s.NF != "nop" || s.Packets != 5000 || len(s.Ports) != 2 || len(s.Cores) != 2 || s.Interrupted {
		t.Fatalf("summary %+v", s)
	}
	var in, cores uint64
	for _, p := range s.Ports {
		in += p.In
		if p.InBytes == nil || p.OutBytes == nil || p.InGbps == nil || p.OutGbps == nil {
			t.Fatalf("port %d: no byte counts: %+v", p.Port, p)
		}
		if *p.InBytes != 60*p.In {
			t.Errorf("port %d: %d bytes in for %d frames of 60 bytes", p.Port, *p.InBytes, p.In)
		}
		if *p.InGbps <= 0 && p.In > 0 {
			t.Errorf("port %d: in %d packets at %v Gbps", p.Port, p.In, *p.InGbps)
		}
	}
	for _, c := range s.Cores {
		cores += c.Packets
	}
	if in != 5000 || cores != 5000 {
		t.Errorf("ports received %d, cores processed %d; want 5000", in, cores)
	}
	if s.Ports[0].Out != s.Ports[1].In || s.Ports[1].Out != s.Ports[0].In || *s.Ports[0].OutBytes != *s.Ports[1].InBytes {
		t.Errorf("the NOP's ports do not mirror each other: %+v %+v", s.Ports[0], s.Ports[1])
	}
}

// TestLoopAndPacing: -loop N replays pcaps N times (N times the packets, in
// the summary and in the outputs, timestamps still increasing); -pps and
// -speed are accepted and reported (their schedule is tested in nic/soft,
// without a clock).
func TestLoopAndPacing(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runBin(t, tracegenBin, "-packets", "1000", "-flows", "50", "-out", dir); code != 0 {
		t.Fatalf("tracegen: %s", stderr)
	}
	in := []string{"-in", soft.PortFile(dir, 0), "-in", soft.PortFile(dir, 1)}
	out := t.TempDir()
	s := jsonRun(t, append([]string{"-nf", "nop", "-loop", "3", "-out", out}, in...)...)
	if s.Packets != 3000 || !strings.Contains(s.Input, "3 times") {
		t.Fatalf("-loop 3 on 1000 packets: %d packets, input %q", s.Packets, s.Input)
	}
	for port := range 2 {
		frames := readPort(t, soft.PortFile(out, port))
		if uint64(len(frames)) != s.Ports[port].Out || len(frames) == 0 {
			t.Fatalf("port %d: %d frames written, summary says %d", port, len(frames), s.Ports[port].Out)
		}
		for i := 1; i < len(frames); i++ {
			if frames[i].Time <= frames[i-1].Time {
				t.Fatalf("port %d: frame %d at %d after %d: a pass went back in time", port, i, frames[i].Time, frames[i-1].Time)
			}
		}
	}
	once := jsonRun(t, append([]string{"-nf", "nop"}, in...)...)
	if once.Packets != 1000 {
		t.Fatalf("no -loop: %d packets", once.Packets)
	}
	// The trace lasts 100 µs at 10 Mpps: pacing at these rates ends at once.
	for _, pace := range [][]string{{"-pps", "1e8"}, {"-speed", "1000"}} {
		s := jsonRun(t, append(append([]string{"-nf", "nop"}, pace...), in...)...)
		if s.Packets != 1000 || !strings.Contains(s.Input, "paced at") {
			t.Errorf("%v: %d packets, input %q", pace, s.Packets, s.Input)
		}
	}
	// Generated traffic loops too.
	if g := jsonRun(t, "-nf", "nop", "-packets", "700", "-loop", "2"); g.Packets != 1400 {
		t.Errorf("generated, -loop 2: %d packets, want 1400", g.Packets)
	}
}

func TestReplayUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-nf", "nop", "-loop", "0"}, "-loop 0: need at least 1"},
		{[]string{"-nf", "nop", "-pps", "10", "-speed", "2"}, "not both"},
		{[]string{"-nf", "nop", "-speed", "-1"}, "speed -1"},
		{[]string{"-nf", "nop", "-pps", "NaN"}, "packets per second NaN"},
		{[]string{"-nf", "nop", "-backend", "dpdk", "-loop", "2"}, "-backend dpdk takes its packets"},
	} {
		_, stderr, code := runInProcess(c.args...)
		wantError(t, stderr, code, exitUsage, c.want)
	}
}

// TestProgressLine: the progress line gives each port's rates since the
// previous report, not since the start.
func TestProgressLine(t *testing.T) {
	prev := soft.Progress{Packets: 1000, Elapsed: time.Second,
		Ports: []nic.Stats{{RX: 1000, TX: 0}, {RX: 0, TX: 1000}},
		Bytes: []soft.Bytes{{RX: 64000}, {TX: 64000}}}
	cur := soft.Progress{Packets: 3_001_000, Elapsed: 2 * time.Second,
		Ports: []nic.Stats{{RX: 2_001_000, TX: 1_000_000}, {RX: 1_000_000, TX: 2_001_000}},
		Bytes: []soft.Bytes{{RX: 64000 + 250_000_000, TX: 125_000_000}, {RX: 125_000_000, TX: 64000 + 250_000_000}}}
	got := progressLine(prev, cur)
	want := "nfrun: 3001000 packets, 1.50 Mpps, 2s; port 0 in 2.00 out 1.00 Mpps (2.00/1.00 Gbps); port 1 in 1.00 out 2.00 Mpps (1.00/2.00 Gbps)"
	if got != want {
		t.Errorf("progress line\n got %s\nwant %s", got, want)
	}
	// A backend without byte counts gets packet rates only.
	cur.Bytes = nil
	if got := progressLine(prev, cur); strings.Contains(got, "Gbps") || !strings.Contains(got, "port 1 in 1.00 out 2.00 Mpps") {
		t.Errorf("without bytes: %s", got)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"-version"}, {"-nf", "fw", "-version"}} {
		stdout, stderr, code := runInProcess(args...)
		if code != exitOK || !strings.HasPrefix(stdout, "nfrun ") || !strings.Contains(stdout, "go1.") || stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// TestTracegenFitsNATAndLB runs nfrun on tracegen's NF-shaped traffic: the
// NAT passes every reply of traffic made for it (and none of plain
// traffic's), and the LB receives heartbeats as the share asked.
func TestTracegenFitsNATAndLB(t *testing.T) {
	pcaps := func(args ...string) []string {
		dir := t.TempDir()
		if _, stderr, code := runBin(t, tracegenBin, append(args, "-out", dir)...); code != 0 {
			t.Fatalf("tracegen %q: %s", args, stderr)
		}
		return []string{"-in", soft.PortFile(dir, 0), "-in", soft.PortFile(dir, 1)}
	}
	common := []string{"-packets", "20000", "-flows", "2000"}
	for _, cores := range []string{"1", "3"} {
		in := pcaps(append(common, "-nf", "nat", "-cores", cores)...)
		s := jsonRun(t, append([]string{"-nf", "nat", "-cores", cores}, in...)...)
		wan := s.Ports[1]
		if wan.In < 4000 || wan.Dropped != 0 || s.Ports[0].Out != wan.In || s.Ports[0].Dropped != 0 {
			t.Errorf("NAT on %s cores, traffic made for it: LAN %+v, WAN %+v; want every reply translated back", cores, s.Ports[0], wan)
		}
	}
	plain := jsonRun(t, append([]string{"-nf", "nat", "-cores", "3"}, pcaps(common...)...)...)
	if plain.Ports[1].Dropped != plain.Ports[1].In {
		t.Errorf("NAT on plain traffic passed %d of %d replies: the check above proves nothing", plain.Ports[1].In-plain.Ports[1].Dropped, plain.Ports[1].In)
	}

	// In trace order: the LB runs with locks, and a concurrent run equals
	// some serialisation of the trace, which on a loaded machine may put
	// many client packets before the first heartbeat.
	s := jsonRun(t, append([]string{"-nf", "lb", "-cores", "2", "-trace-order"}, pcaps(append(common, "-nf", "lb", "-heartbeat", "0.05")...)...)...)
	lan, wan := s.Ports[0], s.Ports[1]
	if share := float64(lan.In) / float64(s.Packets); share < 0.04 || share > 0.06 {
		t.Errorf("heartbeat share %.3f (%d of %d), want 0.05", share, lan.In, s.Packets)
	}
	// Heartbeats are consumed; client packets go to a backend, but for
	// the few before the first heartbeat.
	if lan.Dropped != lan.In || wan.Out != 0 || lan.Out+wan.Dropped != wan.In || wan.Dropped > 100 {
		t.Errorf("LB: LAN %+v, WAN %+v", lan, wan)
	}
}

// TestStreamsBigTraces: ten million generated packets are streamed, not
// held (they would take over 1 GB); the default million are held, so that
// the rate measured is the NF's.
func TestStreamsBigTraces(t *testing.T) {
	c := traffic.DefaultConfig()
	if traceBytes(c) > inMemoryBudget {
		t.Errorf("the default trace (%d bytes) would be streamed", traceBytes(c))
	}
	c.Packets = 10_000_000
	if traceBytes(c) <= inMemoryBudget {
		t.Errorf("10M packets (%d bytes) would be held in memory", traceBytes(c))
	}
	c.Packets, c.Sizes = 200_000, []int{9018}
	if traceBytes(c) <= inMemoryBudget {
		t.Errorf("200k jumbo frames (%d bytes) would be held in memory", traceBytes(c))
	}
}
