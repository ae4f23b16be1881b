// Package mapofcontainers is an adversarial NF (issue 11, class 1): a limiter with
// one counter map per IP protocol, in an unmarked Go map field
// f.byProto[p.Proto].
//
// The containers are reached through a Go map indexed by packet data: an
// analysis that tracks //maestro:state fields only sees no state. A map of
// containers on the packet path is MAE014. Expected: {refused:MAE014}.
package mapofcontainers

import "github.com/nfmaestro/maestro/maestro"

// Limiter passes 100 packets per source and protocol.
//
//maestro:nf
type Limiter struct {
	byProto map[uint8]*maestro.Map[uint32, uint32]
}

// New returns a Limiter for TCP, UDP and ICMP.
func New() *Limiter {
	l := &Limiter{byProto: map[uint8]*maestro.Map[uint32, uint32]{}}
	for _, proto := range []uint8{maestro.ProtoTCP, maestro.ProtoUDP, maestro.ProtoICMP} {
		l.byProto[proto] = maestro.NewMap[uint32, uint32](1024)
	}
	return l
}

// Process counts the packet and passes it while its source is under 100.
func (l *Limiter) Process(p *maestro.Packet) maestro.Verdict {
	m, ok := l.byProto[p.Proto]
	if !ok {
		return maestro.Drop
	}
	n, _ := m.Get(p.SrcIP)
	if !m.Put(p.SrcIP, n+1) || n >= 100 { // want MAE014
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}
