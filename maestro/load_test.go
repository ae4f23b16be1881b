package maestro

import (
	"reflect"
	"testing"
)

// TestLoad: Load sets only Data, InPort and Time, clearing every header
// field a previous parse left (a backend reuses its Packets from burst to
// burst), and Parse afterwards gives what Reset gives.
func TestLoad(t *testing.T) {
	frame := AppendFrame(nil, Frame{SrcIP: 0x0a000001, DstIP: 0x0b000002, Proto: ProtoTCP, SrcPort: 1234, DstPort: 80, Size: 64})
	var parsed Packet
	parsed.Reset(frame, 1, 42)
	if !parsed.HasPorts() || parsed.SrcIP != 0x0a000001 {
		t.Fatalf("Reset did not parse the frame: %+v", parsed)
	}
	p := parsed // as a backend's reused slot
	other := make([]byte, 20)
	p.Load(other, 3, 7)
	if want := (Packet{Data: other, InPort: 3, Time: 7}); !samePacket(&p, &want) {
		t.Errorf("Load left %+v, want only Data, InPort and Time set", p)
	}
	p.Load(frame, 1, 42)
	p.Parse()
	if !samePacket(&p, &parsed) {
		t.Errorf("Load then Parse gave %+v, Reset %+v", p, parsed)
	}
}

// samePacket compares two Packets field by field, Data by identity.
func samePacket(a, b *Packet) bool {
	x, y := *a, *b
	if len(x.Data) != len(y.Data) || (len(x.Data) > 0 && &x.Data[0] != &y.Data[0]) {
		return false
	}
	x.Data, y.Data = nil, nil
	return reflect.DeepEqual(x, y)
}
