package psd

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/benchtrace"
	"github.com/nfmaestro/maestro/maestro"
)

const (
	sec     = int64(time.Second)
	scanner = 0xc6336401
	other   = 0xc6336402
	victim  = 0x0a000001
)

func send(d *PSD, in maestro.Port, src uint32, dport uint16, now int64) maestro.Verdict {
	data := maestro.AppendFrame(nil, maestro.Frame{SrcIP: src, DstIP: victim, Proto: maestro.ProtoTCP, SrcPort: 40000, DstPort: dport, TCPFlags: 0x02})
	var p maestro.Packet
	p.Reset(data, in, now)
	return d.Process(&p)
}

// scan sends one packet to each port in [from, to) and returns how many
// passed.
func scan(d *PSD, src uint32, from, to int, now int64) int {
	passed := 0
	for port := from; port < to; port++ {
		if send(d, WAN, src, uint16(port), now) == maestro.Forward(LAN) {
			passed++
		}
	}
	return passed
}

func TestBlocksAfterLimit(t *testing.T) {
	d := New(Config{Limit: 64, Window: 10 * time.Second})
	if got := scan(d, scanner, 1, 65, 0); got != 64 {
		t.Fatalf("first 64 ports: %d passed", got)
	}
	// Repeats of counted ports do not count.
	if got := scan(d, scanner, 1, 65, 1); got != 64 {
		t.Fatalf("repeated ports: %d passed, want 64", got)
	}
	if v := send(d, WAN, scanner, 65, 2); v != maestro.Drop {
		t.Fatalf("65th port: %v, want drop", v)
	}
	// Blocked now, even on ports it used before.
	if got := scan(d, scanner, 1, 65, 3); got != 0 {
		t.Errorf("blocked source: %d packets passed", got)
	}
	// Other sources are unaffected, and LAN traffic passes.
	if got := scan(d, other, 1, 10, 4); got != 9 {
		t.Errorf("other source: %d of 9 passed", got)
	}
	if v := send(d, LAN, scanner, 1000, 5); v != maestro.Forward(WAN) {
		t.Errorf("LAN packet: %v", v)
	}
	// A blocked source does not fill the port table.
	if n := d.ports.Len(); n != 64+9 {
		t.Errorf("%d (source, port) entries, want 73", n)
	}
}

func TestWindow(t *testing.T) {
	d := New(Config{Limit: 4, Window: 10 * time.Second})
	if got := scan(d, scanner, 1, 4, 0); got != 3 {
		t.Fatal("first ports dropped")
	}
	// Still the same window at 9s: one more port is allowed, the next not.
	if got := scan(d, scanner, 4, 6, 9*sec); got != 1 {
		t.Fatalf("ports 4-5 at 9s: %d passed, want 1", got)
	}
	// The window started at 0 and ends at 10s, however busy the source.
	if v := send(d, WAN, scanner, 9, 10*sec-1); v != maestro.Drop {
		t.Errorf("before the window ends: %v", v)
	}
	// A new window: zero count again; ports counted last window count anew.
	if got := scan(d, scanner, 1, 5, 10*sec); got != 4 {
		t.Errorf("new window, 4 old ports: %d passed, want 4", got)
	}
	if got := scan(d, scanner, 1, 6, 11*sec); got != 4 {
		t.Errorf("then a fifth port: %d of 5 passed, want 4", got)
	}
}

func TestFullTablesDrop(t *testing.T) {
	d := New(Config{Limit: 64, Capacity: 4})
	if got := scan(d, scanner, 1, 8, 0); got != 4 {
		t.Errorf("port table of 4: %d ports passed, want 4", got)
	}
	// The refused ports were not counted: repeats of the admitted ones pass.
	if got := scan(d, scanner, 1, 5, 1); got != 4 {
		t.Errorf("admitted ports: %d passed", got)
	}
	d = New(Config{Limit: 64, Capacity: 2})
	send(d, WAN, 1, 1, 0)
	send(d, WAN, 2, 1, 0)
	if v := send(d, WAN, 3, 1, 0); v != maestro.Drop {
		t.Errorf("untracked source passed while the source table is full")
	}
}

func TestNonIPv4Dropped(t *testing.T) {
	d := New(Config{})
	data := maestro.AppendFrame(nil, maestro.Frame{SrcIP: scanner, DstIP: victim, Proto: maestro.ProtoTCP})
	data[12] = 0x86 // IPv6 EtherType
	data[13] = 0xdd
	var p maestro.Packet
	p.Reset(data, WAN, 0)
	if v := d.Process(&p); v != maestro.Drop {
		t.Errorf("IPv6 frame: %v", v)
	}
}

func BenchmarkProcess(b *testing.B) {
	// WAN flows from 40,000 sources, one packet in eight from the LAN.
	benchtrace.Flows(WAN, LAN).Run(b, New(Config{}))
}
