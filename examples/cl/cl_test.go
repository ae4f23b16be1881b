package cl

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

const (
	sec     = int64(time.Second)
	client  = 0x0a000001
	client2 = 0x0a000002
	server  = 0xc6336401
	server2 = 0xc6336402
)

func send(c *CL, in maestro.Port, src, dst uint32, sport uint16, now int64) maestro.Verdict {
	data := maestro.AppendFrame(nil, maestro.Frame{SrcIP: src, DstIP: dst, Proto: maestro.ProtoTCP, SrcPort: sport, DstPort: 443})
	var p maestro.Packet
	p.Reset(data, in, now)
	return c.Process(&p)
}

// open starts connections from src to dst on source ports [from, to) and
// returns how many were admitted.
func open(c *CL, src, dst uint32, from, to int, now int64) int {
	n := 0
	for port := from; port < to; port++ {
		if send(c, LAN, src, dst, uint16(port), now) == maestro.Forward(WAN) {
			n++
		}
	}
	return n
}

func TestLimitPerPair(t *testing.T) {
	c := New(Config{Threshold: 10, Timeout: 10 * time.Second})
	if got := open(c, client, server, 1000, 1015, 0); got != 10 {
		t.Fatalf("admitted %d of 15 connections, want the threshold of 10", got)
	}
	// Existing connections keep passing, repeatedly.
	if got := open(c, client, server, 1000, 1010, sec); got != 10 {
		t.Errorf("existing connections: %d of 10 passed", got)
	}
	// Refused connections stay refused.
	if got := open(c, client, server, 1010, 1015, 2*sec); got != 0 {
		t.Errorf("refused connections: %d now pass", got)
	}
	// Other pairs have their own allowance.
	if got := open(c, client, server2, 1000, 1010, 3*sec); got != 10 {
		t.Errorf("same client, other server: %d of 10", got)
	}
	if got := open(c, client2, server, 1000, 1010, 3*sec); got != 10 {
		t.Errorf("other client, same server: %d of 10", got)
	}
	// WAN traffic is not limited.
	if v := send(c, WAN, server, client, 443, 4*sec); v != maestro.Forward(LAN) {
		t.Errorf("WAN packet: %v", v)
	}
	if n := c.flows.Len(); n != 30 {
		t.Errorf("%d flows tracked, want 30", n)
	}
}

func TestAllowanceReturnsAfterIdle(t *testing.T) {
	c := New(Config{Threshold: 3, Timeout: 10 * time.Second})
	open(c, client, server, 1, 4, 0)
	if got := open(c, client, server, 4, 5, 5*sec); got != 0 {
		t.Fatal("fourth connection admitted")
	}
	// The old flows stay alive by their traffic...
	if got := open(c, client, server, 1, 4, 9*sec); got != 3 {
		t.Fatalf("existing flows: %d of 3", got)
	}
	// ...but the pair opened nothing new for the timeout: its count is gone.
	if got := open(c, client, server, 4, 7, 10*sec); got != 3 {
		t.Errorf("after an idle timeout: %d of 3 new connections", got)
	}
	if got := open(c, client, server, 1, 4, 10*sec); got != 3 {
		t.Errorf("old flows dropped after new ones were admitted: %d of 3", got)
	}
}

func TestFlowExpiry(t *testing.T) {
	c := New(Config{Threshold: 1, Timeout: 10 * time.Second})
	open(c, client, server, 1, 2, 0)
	if got := open(c, client, server, 1, 2, 10*sec-1); got != 1 {
		t.Fatal("live flow dropped")
	}
	// At 20s the flow expired and the pair's count too: the same 5-tuple is
	// a new connection again, within the allowance.
	if got := open(c, client, server, 1, 2, 20*sec); got != 1 {
		t.Errorf("expired flow reopened: %d", got)
	}
	if n := c.flows.Len(); n != 1 {
		t.Errorf("%d flows", n)
	}
}

func TestFullTableKeepsOldFlows(t *testing.T) {
	c := New(Config{Threshold: 100, Capacity: 4})
	if got := open(c, client, server, 1, 9, 0); got != 4 {
		t.Fatalf("admitted %d into a table of 4", got)
	}
	if got := open(c, client, server, 1, 5, 1); got != 4 {
		t.Errorf("old flows: %d of 4", got)
	}
}

func BenchmarkProcess(b *testing.B) {
	// LAN flows, one packet in eight a WAN reply.
	benchtrace.Flows(LAN, WAN).Run(b, New(Config{}))
}
