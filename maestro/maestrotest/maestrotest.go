// Package maestrotest is Maestro's differential test harness (DESIGN §8): it
// replays a trace through a sequential NF and through its generated
// parallel NF, with the software NIC's RSS programmed with the parallel
// NF's configuration, and compares every packet's verdict and bytes.
//
// Two modes:
//
//   - TraceOrder processes the packets one by one in trace order, each on
//     the core RSS picks. Every strategy must then give exactly the
//     sequential results: a shared-nothing NF because each core's state
//     sees the same packets in the same order as the sequential state would
//     for those flows, a lock-based one because it has one state.
//   - Concurrent runs one goroutine per core, truly in parallel, each
//     processing its queue in trace order (run it under -race). A
//     shared-nothing NF must still match exactly (Options.Exact): a core's
//     state depends only on its own packets. A lock-based NF interleaves
//     cores arbitrarily, so only invariants are checked: every packet gets
//     a verdict, nothing panics, forwards go to valid ports.
//
// A NAT rewrites source ports with ports it allocates, and a parallel NAT
// allocates them per core, so Options.NAT compares modulo a consistent
// per-flow mapping between sequential and parallel external ports, and
// addresses the trace's WAN replies to whichever external port each side
// gave the flow.
package maestrotest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Parallel is what the harness needs of a generated parallel NF.
type Parallel interface {
	nic.Processor
	// RSS returns the NIC configuration the NF was generated with.
	RSS() []rss.Config
}

// Mode selects how the parallel NF is run.
type Mode int

const (
	// TraceOrder processes packets one at a time in trace order (exact).
	TraceOrder Mode = iota
	// Concurrent runs one worker goroutine per core.
	Concurrent
)

// String returns "trace-order" or "concurrent".
func (m Mode) String() string {
	if m == Concurrent {
		return "concurrent"
	}
	return "trace-order"
}

// NAT describes the translator whose external ports the comparison maps.
type NAT struct {
	// ExternalIP is the NAT's WAN address (host order).
	ExternalIP uint32
	// LAN and WAN are the NAT's ports.
	LAN, WAN maestro.Port
	// Timeout is the NAT's flow timeout in nanoseconds. A flow silent for
	// that long may be re-created with another external port on either
	// side; within it, its ports must stay paired.
	Timeout int64
}

// Options configure Run.
type Options struct {
	// Mode is TraceOrder or Concurrent.
	Mode Mode
	// RSS, if set, replaces the parallel NF's own configuration (to check
	// that a wrong key is caught).
	RSS []rss.Config
	// Ports is the number of valid output ports (default: the trace's).
	Ports int
	// Exact makes Concurrent mode compare with the sequential results
	// (shared-nothing NFs); otherwise it checks invariants only.
	// TraceOrder mode always compares.
	Exact bool
	// NAT compares modulo external-port mapping.
	NAT *NAT
	// Keep is how many mismatches Report keeps in detail (default 10).
	Keep int
}

// Mismatch is one packet whose parallel result differs.
type Mismatch struct {
	Index    int          // frame index in the trace
	Core     int          // core the parallel NF ran it on
	Port     maestro.Port // input port
	Seq, Par maestro.Verdict
	SeqData  []byte
	ParData  []byte
	Why      string
}

// String describes m for a test log.
func (m Mismatch) String() string {
	s := fmt.Sprintf("frame %d (port %d, core %d): %s; sequential %v, parallel %v", m.Index, m.Port, m.Core, m.Why, m.Seq, m.Par)
	if !bytes.Equal(m.SeqData, m.ParData) {
		s += fmt.Sprintf("\n\tsequential bytes % x\n\tparallel   bytes % x", head(m.SeqData), head(m.ParData))
	}
	return s
}

func head(b []byte) []byte { return b[:min(len(b), 64)] }

// Report is the outcome of Run.
type Report struct {
	Mode    Mode
	Cores   int
	Packets int
	// PerCore counts the packets each core processed.
	PerCore []int
	// Mismatches counts packets whose result differs (compared runs).
	Mismatches int
	// First holds the first Options.Keep mismatches.
	First []Mismatch
	// Violations are broken invariants (panics, missing verdicts, bad
	// ports), in any mode.
	Violations []string
}

// Err summarises the report: nil if every packet matched and no
// invariant broke.
func (r *Report) Err() error {
	if r.Mismatches == 0 && len(r.Violations) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s run on %d cores: %d of %d packets differ from the sequential NF", r.Mode, r.Cores, r.Mismatches, r.Packets)
	for _, m := range r.First {
		b.WriteString("\n  " + m.String())
	}
	for i, v := range r.Violations {
		if i == 10 {
			fmt.Fprintf(&b, "\n  ... %d more violations", len(r.Violations)-10)
			break
		}
		b.WriteString("\n  violation: " + v)
	}
	return errors.New(b.String())
}

// seqResult is the sequential NF's result for one frame.
type seqResult struct {
	v    maestro.Verdict
	data []byte
	// extPort is, with NAT, the external port of the frame's flow: the
	// source port it left with (LAN) or the one its reply was addressed to
	// (WAN, 0 if the flow had none).
	extPort uint16
}

// Run replays trace through seq and par and compares them as opts says.
// seq must be a fresh sequential NF and par a fresh parallel NF built from
// the same configuration. The error is for unusable input; differences are
// in the Report (see Report.Err). Built with -tags maestrocheck, the keys a
// core touched while another core owned them are Violations too.
func Run(seq maestro.NF, par Parallel, trace *soft.Trace, opts Options) (*Report, error) {
	cfgs := opts.RSS
	if cfgs == nil {
		cfgs = par.RSS()
	}
	disp, err := soft.RSSDispatcher(cfgs...)
	if err != nil {
		return nil, err
	}
	if opts.Ports == 0 {
		opts.Ports = max(trace.NumPorts, 2)
	}
	if opts.Keep == 0 {
		opts.Keep = 10
	}
	cores := par.Cores()
	r := &Report{Mode: opts.Mode, Cores: cores, Packets: len(trace.Frames), PerCore: make([]int, cores)}

	// The sequential run, with the NAT's view of the replies.
	want := make([]seqResult, len(trace.Frames))
	seqNAT := map[maestro.FlowID]uint16{}
	var p maestro.Packet
	for i, f := range trace.Frames {
		data := append([]byte(nil), f.Data...)
		p.Reset(data, f.Port, f.Time)
		var ext uint16
		if opts.NAT != nil && f.Port == opts.NAT.WAN {
			ext = translateReply(&p, opts.NAT, seqNAT)
		}
		id := p.Flow()
		v := seq.Process(&p)
		if opts.NAT != nil && f.Port == opts.NAT.LAN {
			if ext = learnExternal(&p, v, opts.NAT); ext != 0 {
				seqNAT[id] = ext
			}
		}
		want[i] = seqResult{v: v, data: p.Data, extPort: ext}
	}

	// The parallel run: every frame's core first (the dispatcher is
	// single-threaded, like a NIC), then the packets.
	queues := make([][]int, cores)
	coreOf := make([]int, len(trace.Frames))
	for i, f := range trace.Frames {
		data := append([]byte(nil), f.Data...)
		p.Reset(data, f.Port, f.Time)
		if opts.NAT != nil && f.Port == opts.NAT.WAN && want[i].extPort != 0 {
			// Dispatch as the NIC would see the reply: addressed to the
			// NAT. The queue of a NAT's WAN side must not depend on the
			// external port, so which side's port is used does not matter
			// for a correct configuration.
			p.SetDstIP(opts.NAT.ExternalIP)
			p.SetDstPort(want[i].extPort)
		}
		c := disp(&p)
		if c < 0 {
			c = 0
		}
		c %= cores
		coreOf[i] = c
		queues[c] = append(queues[c], i)
		r.PerCore[c]++
	}
	outs := make([]coreOut, cores)
	workers := make([]*worker, cores)
	for c := range workers {
		workers[c] = &worker{core: c, par: par, trace: trace, want: want, opts: &opts, nat: map[maestro.FlowID]natPair{}, out: &outs[c]}
	}
	if opts.Mode == TraceOrder {
		for i := range trace.Frames {
			if !workers[coreOf[i]].run([]int{i}) {
				break // a panic leaves the NF's state unusable
			}
		}
	} else {
		var wg sync.WaitGroup
		for c, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.run(queues[c])
			}()
		}
		wg.Wait()
	}
	compare := opts.Mode == TraceOrder || opts.Exact
	var all []Mismatch
	for c := range outs {
		r.Violations = append(r.Violations, outs[c].violations...)
		if compare {
			r.Mismatches += outs[c].mismatches
			all = append(all, outs[c].first...)
		}
	}
	r.Violations = append(r.Violations, ownershipViolations(par)...)
	// Report the earliest mismatches in trace order, whichever core.
	sortMismatches(all)
	r.First = all[:min(len(all), opts.Keep)]
	return r, nil
}

func sortMismatches(ms []Mismatch) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Index < ms[j-1].Index; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// coreOut collects one core's findings (written by that core only).
type coreOut struct {
	mismatches int
	first      []Mismatch
	violations []string
}

// worker runs one core's packets.
type worker struct {
	core  int
	par   Parallel
	trace *soft.Trace
	want  []seqResult
	opts  *Options
	// nat maps a flow (as seen on the LAN) to its external ports, for this
	// core's packets.
	nat  map[maestro.FlowID]natPair
	out  *coreOut
	pkts [1]maestro.Packet
	vs   [1]maestro.Verdict
}

// natPair is a flow's sequential and parallel external ports and when
// the parallel NAT last refreshed the flow.
type natPair struct {
	seq, par uint16
	last     int64
}

const noVerdict maestro.Verdict = -1000

// run processes the frames idx and reports false if the NF
// panicked (recorded as a violation).
func (w *worker) run(idx []int) (ok bool) {
	defer func() {
		if e := recover(); e != nil {
			w.out.violations = append(w.out.violations, fmt.Sprintf("core %d panicked: %v", w.core, e))
			ok = false
		}
	}()
	for _, i := range idx {
		w.one(i)
	}
	return true
}

func (w *worker) one(i int) {
	f := &w.trace.Frames[i]
	want := &w.want[i]
	nat := w.opts.NAT
	p := &w.pkts[0]
	p.Reset(append([]byte(nil), f.Data...), f.Port, f.Time)
	if nat != nil && f.Port == nat.WAN && want.extPort != 0 {
		// Address the reply to the port this core gave the flow, or to an
		// unknown flow's port if it never saw the flow (then it must drop
		// it, and the mismatch shows the sharding error).
		m, ok := w.nat[replyFlow(p)]
		port := want.extPort
		if ok {
			port = m.par
		}
		p.SetDstIP(nat.ExternalIP)
		p.SetDstPort(port)
	}
	w.vs[0] = noVerdict
	w.par.ProcessBurst(w.core, w.pkts[:], w.vs[:])
	v := w.vs[0]
	switch {
	case v == noVerdict:
		w.out.violations = append(w.out.violations, fmt.Sprintf("frame %d: no verdict", i))
	case v != maestro.Drop && v != maestro.Flood && (v < 0 || int(v) >= w.opts.Ports):
		w.out.violations = append(w.out.violations, fmt.Sprintf("frame %d: verdict %v is not a valid port (%d ports)", i, v, w.opts.Ports))
	}
	if w.opts.Mode == Concurrent && !w.opts.Exact {
		return
	}
	why := ""
	if nat != nil && f.Port == nat.LAN && v == maestro.Forward(nat.WAN) && want.v == v {
		why = w.mapPort(i, p, want)
	}
	if nat != nil && f.Port == nat.WAN && want.extPort != 0 && v == maestro.Forward(nat.LAN) {
		// A translated reply refreshes its flow.
		id := p.Flow()
		if m, ok := w.nat[id]; ok {
			m.last = f.Time
			w.nat[id] = m
		}
	}
	if nat != nil && f.Port == nat.WAN && want.extPort != 0 && v == maestro.Drop && want.v == v {
		// Each side addressed the reply to its own external port; a dropped
		// reply is otherwise untouched.
		p.SetDstPort(want.extPort)
	}
	switch {
	case why != "":
	case v != want.v:
		why = "verdicts differ"
	case !bytes.Equal(p.Data, want.data):
		why = "bytes differ"
	default:
		return
	}
	w.out.mismatches++
	if len(w.out.first) < w.opts.Keep {
		w.out.first = append(w.out.first, Mismatch{Index: i, Core: w.core, Port: f.Port, Seq: want.v, Par: v,
			SeqData: want.data, ParData: append([]byte(nil), p.Data...), Why: why})
	}
}

// mapPort checks that the external port the parallel NAT gave p's flow
// corresponds consistently to the sequential one, records the pair, and
// rewrites p's source port to the sequential port so the bytes compare.
func (w *worker) mapPort(i int, p *maestro.Packet, want *seqResult) string {
	if p.SrcIP != w.opts.NAT.ExternalIP || !p.HasPorts() {
		return ""
	}
	f := w.trace.Frames[i]
	var in maestro.Packet
	in.Reset(append([]byte(nil), f.Data...), f.Port, f.Time)
	id := in.Flow()
	pair := natPair{seq: want.extPort, par: p.SrcPort, last: f.Time}
	old, ok := w.nat[id]
	w.nat[id] = pair
	if ok && f.Time-old.last < w.opts.NAT.Timeout && (old.seq == pair.seq) != (old.par == pair.par) {
		return fmt.Sprintf("live flow's external ports were paired (%d, %d), now (%d, %d)", old.seq, old.par, pair.seq, pair.par)
	}
	// Otherwise a new flow, or one re-created after expiry (the ports may
	// change then, on either side).
	p.SetSrcPort(want.extPort)
	return ""
}

// replyFlow returns the LAN-side flow a WAN reply belongs to.
func replyFlow(p *maestro.Packet) maestro.FlowID { return p.Flow().Reverse() }

// translateReply addresses a WAN reply (as generated: to the LAN host) to
// the NAT's external address and the port the flow got, and returns that
// port (0, and no change, for a flow the NAT never forwarded).
func translateReply(p *maestro.Packet, nat *NAT, m map[maestro.FlowID]uint16) uint16 {
	if !p.HasPorts() {
		return 0
	}
	port, ok := m[replyFlow(p)]
	if !ok {
		return 0
	}
	p.SetDstIP(nat.ExternalIP)
	p.SetDstPort(port)
	return port
}

// learnExternal returns the external port of a LAN packet the NAT
// forwarded (0 if it did not translate the packet).
func learnExternal(out *maestro.Packet, v maestro.Verdict, nat *NAT) uint16 {
	if v != maestro.Forward(nat.WAN) || out.SrcIP != nat.ExternalIP || !out.HasPorts() {
		return 0
	}
	return out.SrcPort
}
