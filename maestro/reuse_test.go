package maestro

import (
	"reflect"
	"testing"
)

// TestResetLeavesNothingBehind parses every kind of frame into one reused
// Packet, in every order, and checks each result equals a fresh parse: Reset
// writes fields instead of zeroing the struct, so a field a path forgot would
// leak from the previous packet.
func TestResetLeavesNothingBehind(t *testing.T) {
	good := AppendFrame(nil, Frame{EthDst: macB, EthSrc: macA, VLAN: 9, SrcIP: 1, DstIP: 2, Proto: ProtoTCP, SrcPort: 3, DstPort: 4, TCPFlags: 2, Size: 80})
	frames := [][]byte{
		good,
		AppendFrame(nil, udpFrame()),
		AppendFrame(nil, Frame{Proto: ProtoICMP, SrcIP: 5, DstIP: 6}),
		AppendFrame(nil, Frame{Proto: 47, SrcIP: 5, DstIP: 6}),
		good[:10], good[:17], good[:30],
	}
	for _, mut := range []func(b []byte){
		func(b []byte) { b[16], b[17] = 0x86, 0xdd },
		func(b []byte) { b[18] = 0x65 },
		func(b []byte) { b[18] = 0x43 },
		func(b []byte) { b[20], b[21] = 0x05, 0xdc },
		func(b []byte) { b[24] = 0x20 },
		func(b []byte) { b[20], b[21] = 0, 30 },
	} {
		b := append([]byte(nil), good...)
		mut(b)
		frames = append(frames, b)
	}
	for _, a := range frames {
		for _, b := range frames {
			var reused, fresh Packet
			reused.Reset(a, 1, 1)
			reused.Reset(b, 0, 7)
			fresh = Packet{}
			fresh.Reset(b, 0, 7)
			if !reflect.DeepEqual(reused, fresh) {
				t.Fatalf("after parsing %x,\nparse of %x gives\n%+v\nwant %+v", a, b, reused, fresh)
			}
		}
	}
}
