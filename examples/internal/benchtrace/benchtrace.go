// Package benchtrace holds the in-memory traces the catalog NFs' Process
// benchmarks run over, so that every NF is measured the same way.
package benchtrace

import (
	"math/rand/v2"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
)

// UniformOrder returns rounds random permutations of the flow numbers
// 0..flows-1, end to end: every flow appears equally often, in random order.
func UniformOrder(r *rand.Rand, flows, rounds int) []int {
	var order []int
	for range rounds {
		order = append(order, r.Perm(flows)...)
	}
	return order
}

// Trace is a benchmark trace held in memory: frames and their input ports.
type Trace struct {
	frames [][]byte
	ports  []maestro.Port
}

// New builds a trace of n frames; gen describes frame i and its port.
func New(n int, gen func(i int) (maestro.Frame, maestro.Port)) *Trace {
	tr := &Trace{}
	for i := range n {
		f, port := gen(i)
		tr.frames = append(tr.frames, maestro.AppendFrame(nil, f))
		tr.ports = append(tr.ports, port)
	}
	return tr
}

// Len returns the number of frames.
func (tr *Trace) Len() int { return len(tr.frames) }

// Run processes the trace through nf in a loop, 100 ns of trace time per
// packet, reporting allocations. Each frame is copied to a scratch buffer
// and parsed first, so that NFs that rewrite packets see the original bytes
// every round: the time per packet includes that copy and the parse.
func (tr *Trace) Run(b *testing.B, nf maestro.NF) {
	var p maestro.Packet
	buf := make([]byte, 2048)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(tr.frames)
		n := copy(buf, tr.frames[j])
		p.Reset(buf[:n], tr.ports[j], int64(i)*100)
		nf.Process(&p)
	}
}

// Flows returns the usual catalog benchmark trace: 40,000 random UDP
// 5-tuples, each sent twice in uniformly random order, entering port in;
// one packet in eight is instead the reply (addresses and ports swapped)
// entering port reply. Frames are 60 bytes. The seed is fixed.
func Flows(in, reply maestro.Port) *Trace {
	const flows = 40000
	r := rand.New(rand.NewPCG(1, 2))
	fs := make([]maestro.FlowID, flows)
	for i := range fs {
		fs[i] = maestro.MakeFlowID(r.Uint32(), r.Uint32(), uint16(r.Uint32()), uint16(r.Uint32()), maestro.ProtoUDP)
	}
	order := UniformOrder(r, flows, 2)
	return New(len(order), func(i int) (maestro.Frame, maestro.Port) {
		f, port := fs[order[i]], in
		if r.IntN(8) == 0 {
			f, port = f.Reverse(), reply
		}
		return maestro.Frame{SrcIP: f.SrcIP(), DstIP: f.DstIP(), Proto: f.Proto(), SrcPort: f.SrcPort(), DstPort: f.DstPort(), Size: 60}, port
	})
}
