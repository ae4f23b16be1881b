package maestro

import "strconv"

// Port identifies an NF's input or output port (0 is the first device port).
// NFs name their ports with constants, e.g. const LAN maestro.Port = 0; the
// analyzer relies on comparisons of Packet.InPort with such constants.
type Port uint16

// Verdict is what an NF decides for one packet: drop it, forward it to one
// port, or flood it to every port but the one it came in on. It is a small
// value (no allocation, comparable) so a burst of verdicts is a plain slice.
type Verdict int32

const (
	// Drop discards the packet.
	Drop Verdict = -1
	// Flood sends the packet out of every port except its input port.
	Flood Verdict = -2
)

// Forward returns the verdict that sends the packet out of port out.
func Forward(out Port) Verdict { return Verdict(out) }

// IsDrop reports whether v drops the packet.
func (v Verdict) IsDrop() bool { return v == Drop }

// IsFlood reports whether v floods the packet.
func (v Verdict) IsFlood() bool { return v == Flood }

// Port returns the output port of a Forward verdict; ok is false for Drop and
// Flood.
func (v Verdict) Port() (out Port, ok bool) {
	if v < 0 {
		return 0, false
	}
	return Port(v), true
}

// String returns "drop", "flood" or "forward(N)".
func (v Verdict) String() string {
	switch {
	case v == Drop:
		return "drop"
	case v == Flood:
		return "flood"
	case v >= 0:
		return "forward(" + strconv.Itoa(int(v)) + ")"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// NF is a sequential network function: Process sees one packet at a time, may
// rewrite its bytes through the Packet setters, and returns a verdict.
// Implementations must not keep p after returning: the backend reuses it.
type NF interface {
	Process(p *Packet) Verdict
}
