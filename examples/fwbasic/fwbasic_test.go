//go:build !maestrogen

package fwbasic

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

const (
	client = 0x0a000001
	server = 0xc6336401
)

func process(f *FW, in maestro.Port, fr maestro.Frame, now int64) maestro.Verdict {
	var p maestro.Packet
	p.Reset(maestro.AppendFrame(nil, fr), in, now)
	return f.Process(&p)
}

// TestBareFiveTupleMatch pins the paper's behaviour, which the strict FW
// (examples/fw) changes: UDP replies need the exact reversed 5-tuple, and
// packets without ports match with ports 0, so any LAN ICMP message lets
// every ICMP message of the server in.
func TestBareFiveTupleMatch(t *testing.T) {
	f := New(Config{})
	udp := maestro.Frame{SrcIP: client, DstIP: server, Proto: maestro.ProtoUDP, SrcPort: 5000, DstPort: 53}
	rep := maestro.Frame{SrcIP: server, DstIP: client, Proto: maestro.ProtoUDP, SrcPort: 53, DstPort: 5000}
	if v := process(f, WAN, rep, 0); v != maestro.Drop {
		t.Errorf("unsolicited reply: %v", v)
	}
	if v := process(f, LAN, udp, 1); v != maestro.Forward(WAN) {
		t.Fatalf("LAN packet: %v", v)
	}
	if v := process(f, WAN, rep, 2); v != maestro.Forward(LAN) {
		t.Errorf("reply: %v", v)
	}
	rep.DstPort++
	if v := process(f, WAN, rep, 3); v != maestro.Drop {
		t.Errorf("reply to another port: %v", v)
	}
	icmp := maestro.Frame{SrcIP: server, DstIP: client, Proto: maestro.ProtoICMP}
	if v := process(f, WAN, icmp, 4); v != maestro.Drop {
		t.Errorf("ICMP before any LAN ICMP: %v", v)
	}
	if v := process(f, LAN, maestro.Frame{SrcIP: client, DstIP: server, Proto: maestro.ProtoICMP}, 5); v != maestro.Forward(WAN) {
		t.Fatalf("LAN ICMP: %v", v)
	}
	if v := process(f, WAN, icmp, 6); v != maestro.Forward(LAN) {
		t.Errorf("paper FW: any ICMP of the server passes after LAN ICMP, got %v", v)
	}
}

// TestParallelMatchesSequential runs the shared-nothing and the lock-based
// FW on the standard and hostile traces at every core count, in trace
// order and concurrently.
func TestParallelMatchesSequential(t *testing.T) {
	traces, err := maestrotest.AllTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Capacity: 65536, Timeout: 2 * time.Millisecond}
	seq := func() maestro.NF { return New(cfg) }
	maestrotest.CheckMatrix(t, traces,
		maestrotest.Case{Name: "parallel", Seq: seq, SharedNothing: true,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewParallel(cfg, cores) }},
		maestrotest.Case{Name: "locked", Seq: seq,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewLocked(cfg, cores) }},
	)
}
