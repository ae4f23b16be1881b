package traffic

import "github.com/nfmaestro/maestro/maestro"

// maxBackends bounds Config.Backends: their addresses stay within 10.1/16.
const maxBackends = 65000

// Heartbeat addresses: backends from 10.1.0.1 up, all to the balancer's
// 10.1.255.254, UDP port 7000.
const (
	firstBackend   = 10<<24 | 1<<16 | 1
	heartbeatDst   = 10<<24 | 1<<16 | 0xfffe
	heartbeatPort  = 7000
	defaultBackend = 16
)

// heartbeat appends the next heartbeat frame, of size bytes without FCS,
// to b: from each backend in turn.
func (g *generator) heartbeat(b []byte, size int) []byte {
	n := g.cfg.Backends
	if n == 0 {
		n = defaultBackend
	}
	src := uint32(firstBackend + g.beats%n)
	g.beats++
	return maestro.AppendFrame(b, maestro.Frame{
		EthSrc: hostMAC(src), EthDst: hostMAC(heartbeatDst),
		SrcIP: src, DstIP: heartbeatDst, SrcPort: heartbeatPort, DstPort: heartbeatPort,
		Proto: maestro.ProtoUDP, Size: size,
	})
}
