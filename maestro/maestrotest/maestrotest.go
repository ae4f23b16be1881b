// Package maestrotest is Maestro's differential test harness (docs/design.md): it
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
//     state depends only on its own packets. A lock-based NF (one with a
//     LockGroup method, as maestrogen generates) interleaves cores
//     arbitrarily, but equals the sequential NF run on the order its locks
//     serialised the packets: the harness records that order through the
//     LockGroup's recorder, replays it through the sequential NF and
//     compares every packet exactly. Other parallel NFs are checked for
//     invariants only: every packet gets a verdict, nothing panics,
//     forwards go to valid ports.
//
// When results differ, the report says whether containers refused inserts
// for lack of room on one side only: a shared-nothing NF splits each
// container's capacity across its cores by default, which changes results
// once a container fills on a core.
//
// A NAT rewrites source ports with ports it allocates, and a parallel NAT
// allocates them per core, so Options.NAT compares modulo a consistent
// per-flow mapping between sequential and parallel external ports, and
// addresses the trace's WAN replies to whichever external port each side
// gave the flow.
package maestrotest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Locked is what the harness needs of a lock-based parallel NF to check it
// against its recorded serialisation: its lock group (maestrogen's lock
// NFs have it).
type Locked interface {
	LockGroup() *maestro.LockGroup
}

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
	// Serialized is true when a lock-based NF run concurrently was
	// compared with the sequential NF replaying the recorded order of its
	// passes; WritePasses is then the number of write passes (epochs).
	Serialized  bool
	WritePasses int
	// SeqRefusals and ParRefusals count the inserts the NFs' containers
	// refused for lack of room (maestro's Refusals), over the whole run;
	// ParRefusals is -1 when the parallel NF does not expose its
	// instances.
	SeqRefusals, ParRefusals int64
}

// CapacityNote explains, when the two sides' containers refused different
// numbers of inserts, that the difference comes from capacity; "" otherwise.
func (r *Report) CapacityNote() string {
	if r.ParRefusals < 0 || r.SeqRefusals == r.ParRefusals {
		return ""
	}
	return fmt.Sprintf("containers refused %d inserts for lack of room in the sequential NF and %d in the parallel NF: "+
		"the difference comes from capacity (a shared-nothing NF built with NewParallel splits each container's capacity across its cores; "+
		"NewParallelFull gives every core the full capacity)", r.SeqRefusals, r.ParRefusals)
}

// Err summarises the report: nil if every packet matched and no
// invariant broke.
func (r *Report) Err() error {
	if r.Mismatches == 0 && len(r.Violations) == 0 {
		return nil
	}
	var b strings.Builder
	against := "the sequential NF"
	if r.Serialized {
		against = fmt.Sprintf("the sequential NF replaying the recorded serialisation (%d write passes)", r.WritePasses)
	}
	fmt.Fprintf(&b, "%s run on %d cores: %d of %d packets differ from %s", r.Mode, r.Cores, r.Mismatches, r.Packets, against)
	if note := r.CapacityNote(); note != "" && r.Mismatches > 0 {
		b.WriteString("\n  " + note)
	}
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
	// refused is how many inserts the sequential NF's containers had
	// refused for lack of room once it had processed the frame.
	refused int64
}

// Run replays trace through seq and par and compares them as opts says.
// seq must be a fresh sequential NF and par a fresh parallel NF built from
// the same configuration. The error is for unusable input; differences are
// in the Report (see Report.Err). Built with -tags maestrocheck, the keys a
// core touched while another core owned them are Violations too.
func Run(seq maestro.NF, par Parallel, trace *soft.Trace, opts Options) (*Report, error) {
	trace, _ = trace.MonotonicTimes() // as soft.Run processes it
	return run(par, trace, opts, func() maestro.NF { return seq }, func() *seqRun { return runSeq(seq, trace, opts.NAT) }, nil)
}

// seqRun is the sequential NF's result over a whole trace. It depends only
// on the sequential NF's configuration, the trace and Options.NAT, so
// CheckMatrix computes it once per case and trace and shares it, read-only,
// between that trace's subtests.
type seqRun struct {
	want []seqResult
	// refusals is the sequential NF's refusal count at the end.
	refusals int64
}

// runSeq runs trace through seq, with the NAT's view of the replies. Each
// frame is processed in one scratch buffer; a result's data is the trace's
// own frame when the NF left it unchanged (most frames: the comparisons
// then read a frame the run has just copied, and nothing is stored), else
// a copy in one arena.
func runSeq(seq maestro.NF, trace *soft.Trace, nat *NAT) *seqRun {
	seqCount := refusalCounter(seq)
	want := make([]seqResult, len(trace.Frames))
	seqNAT := map[maestro.FlowID]natFlow{}
	portOwner := map[uint16]maestro.FlowID{}
	var p maestro.Packet
	var arena outArena
	scratch := make([]byte, 0, maxFrame(trace))
	for i := range trace.Frames {
		f := &trace.Frames[i]
		p.Reset(append(scratch[:0], f.Data...), f.Port, f.Time)
		var ext uint16
		if nat != nil && f.Port == nat.WAN {
			ext = translateReply(&p, nat, seqNAT, f.Time)
		}
		id := p.Flow()
		v := seq.Process(&p)
		if nat != nil && f.Port == nat.LAN {
			if ext = learnExternal(&p, v, nat); ext != 0 {
				if prev, ok := portOwner[ext]; ok && prev != id {
					// The port now belongs to this flow: the flow that
					// had it is gone.
					if m, ok := seqNAT[prev]; ok && m.port == ext {
						m.reused = true
						seqNAT[prev] = m
					}
				}
				portOwner[ext] = id
				seqNAT[id] = natFlow{port: ext, last: f.Time}
			}
		}
		if nat != nil && f.Port == nat.WAN && ext != 0 && v == maestro.Forward(nat.LAN) {
			// A translated reply refreshes its flow.
			if m, ok := seqNAT[replyFlow(&p)]; ok {
				m.last = f.Time
				seqNAT[replyFlow(&p)] = m
			}
		}
		want[i] = seqResult{v: v, data: arena.keep(p.Data, f.Data), extPort: ext, refused: seqCount()}
	}
	return &seqRun{want: want, refusals: seqCount()}
}

// outArena stores the packets NFs changed, for later comparison, in
// blocks that never move (a slice keep returns stays valid).
type outArena struct {
	buf []byte
	// blocks are the full blocks taken from arenaBlocks, for release.
	blocks []*[]byte
}

// arenaBlock is the size of an outArena's blocks.
const arenaBlock = 1 << 20

// arenaBlocks holds the blocks of released arenas (*[]byte of capacity
// arenaBlock): a run that keeps many packets (a NAT rewrites most) reuses
// them instead of zeroing fresh ones.
var arenaBlocks sync.Pool

// keep returns out, the packet an NF left in a reused buffer, as a slice
// that stays valid: in, the unchanged frame from the trace, if out equals
// it, else a copy.
func (a *outArena) keep(out, in []byte) []byte {
	if bytes.Equal(out, in) {
		return in
	}
	if cap(a.buf)-len(a.buf) < len(out) {
		a.grow(len(out))
	}
	from := len(a.buf)
	a.buf = append(a.buf, out...)
	return a.buf[from:len(a.buf):len(a.buf)]
}

// grow starts a block with room for n bytes.
func (a *outArena) grow(n int) {
	if n > arenaBlock {
		a.buf = make([]byte, 0, n) // not pooled: only a giant frame needs it
		return
	}
	b, ok := arenaBlocks.Get().(*[]byte)
	if !ok {
		buf := make([]byte, 0, arenaBlock)
		b = &buf
	}
	a.blocks = append(a.blocks, b)
	a.buf = (*b)[:0]
}

// release makes a's blocks reusable; nothing may use the slices keep
// returned any more.
func (a *outArena) release() {
	for _, b := range a.blocks {
		arenaBlocks.Put(b)
	}
	*a = outArena{}
}

// run is Run with the sequential side given as two functions, so that
// CheckMatrix can share one sequential run between subtests: fresh returns
// a fresh sequential NF (for a serialised run, which replays its own
// order), results the sequential results in trace order (for every other
// run). Each is called at most once. dc, if not nil, caches the trace's
// dispatch.
func run(par Parallel, trace *soft.Trace, opts Options, fresh func() maestro.NF, results func() *seqRun, dc *dispatchCache) (*Report, error) {
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
	if l, ok := par.(Locked); ok && opts.Mode == Concurrent && l.LockGroup() != nil {
		return runSerialized(fresh(), par, l.LockGroup(), trace, &opts, disp, cfgs, dc, r), nil
	}
	sr := results()
	want := sr.want
	r.SeqRefusals = sr.refusals

	// The parallel run: every frame's core first (the dispatcher is
	// single-threaded, like a NIC), then the packets.
	//
	// A NAT's WAN reply is dispatched as the NIC would see it: addressed
	// to the NAT, at the external port the parallel NAT gave the flow,
	// which an RSS-aware NAT chose so that the reply reaches the flow's
	// core. That port is known only once the flow's LAN packets have run:
	// in TraceOrder mode each reply is dispatched when its turn comes
	// (natCore); in Concurrent mode a reply goes to the core of its flow's
	// LAN packets, and the worker checks that the NIC would have sent it
	// there at the port it is addressed to (an Exact run reports a
	// violation otherwise).
	queues := make([][]int, cores)
	var coreOf []int
	lazy := make([]bool, len(trace.Frames))
	flowCore := map[maestro.FlowID]int{}
	// Parsing and hashing only read the frame: only a readdressed NAT
	// reply needs a copy, in one scratch buffer.
	var p maestro.Packet
	scratch := make([]byte, 0, maxFrame(trace))
	if opts.NAT == nil {
		// Not modified below: coreOf changes only for NAT replies.
		coreOf = dc.coresOf(trace, disp, cfgs, cores)
		for _, c := range coreOf {
			r.PerCore[c]++
		}
	} else {
		coreOf = make([]int, len(trace.Frames))
	}
	for i := 0; i < len(trace.Frames) && opts.NAT != nil; i++ {
		f := &trace.Frames[i]
		p.Reset(f.Data, f.Port, f.Time)
		if opts.NAT != nil && f.Port == opts.NAT.WAN && want[i].extPort != 0 {
			if opts.Mode == TraceOrder {
				lazy[i] = true
				continue
			}
			if c, ok := flowCore[replyFlow(&p)]; ok {
				coreOf[i] = c
				r.PerCore[c]++
				continue
			}
			p.Reset(append(scratch[:0], f.Data...), f.Port, f.Time)
			p.SetDstIP(opts.NAT.ExternalIP)
			p.SetDstPort(want[i].extPort)
		}
		c := dispatch(disp, &p, cores)
		if opts.NAT != nil && f.Port == opts.NAT.LAN && p.HasPorts() {
			flowCore[p.Flow()] = c
		}
		coreOf[i] = c
		r.PerCore[c]++
	}
	if opts.Mode == Concurrent {
		// Each core's queue, in trace order (trace-order runs need none).
		for c := range queues {
			queues[c] = make([]int, 0, r.PerCore[c])
		}
		for i, c := range coreOf {
			queues[c] = append(queues[c], i)
		}
	}
	outs := make([]coreOut, cores)
	workers := make([]*worker, cores)
	parCounts := parRefusalCounters(par)
	for c := range workers {
		workers[c] = &worker{core: c, cores: cores, disp: disp, par: par, raw: !nic.ReadsHeaders(par), trace: trace, want: want, opts: &opts, nat: map[maestro.FlowID]natPair{}, out: &outs[c],
			buf: make([]byte, 0, cap(scratch))}
		if parCounts != nil {
			workers[c].refused = parCounts[c]
		}
	}
	if opts.Mode == TraceOrder {
		for i := range trace.Frames {
			if lazy[i] {
				coreOf[i] = natCore(workers, disp, &trace.Frames[i], want[i].extPort, opts.NAT, cores, scratch)
				r.PerCore[coreOf[i]]++
			}
			if !workers[coreOf[i]].runOne(i) {
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
	r.ParRefusals = -1
	if parCounts != nil {
		r.ParRefusals = 0
		for _, count := range parCounts {
			r.ParRefusals += count()
			if _, shared := par.(Locked); shared {
				break // every core's views count the one shared state
			}
		}
	}
	return r, nil
}

// maxFrame returns the length of trace's largest frame: the size of the
// buffers the harness copies frames into.
func maxFrame(trace *soft.Trace) int {
	n := 0
	for i := range trace.Frames {
		n = max(n, len(trace.Frames[i].Data))
	}
	return n
}

// dispatch returns the core the NIC gives p.
func dispatch(disp func(*maestro.Packet) int, p *maestro.Packet, cores int) int {
	return max(disp(p), 0) % cores
}

// natCore returns the core the NIC gives the WAN reply f once it is
// addressed to the external port the parallel NAT last gave its flow, on
// whichever core (the sequential port ext if none did).
//
// scratch is a buffer of the trace's largest frame size, for the
// readdressed copy.
func natCore(workers []*worker, disp func(*maestro.Packet) int, f *soft.Frame, ext uint16, nat *NAT, cores int, scratch []byte) int {
	var p maestro.Packet
	p.Reset(append(scratch[:0], f.Data...), f.Port, f.Time)
	id := replyFlow(&p)
	last := int64(-1 << 63)
	for _, w := range workers {
		if m, ok := w.nat[id]; ok && m.last >= last {
			ext, last = m.par, m.last
		}
	}
	p.SetDstIP(nat.ExternalIP)
	p.SetDstPort(ext)
	return dispatch(disp, &p, cores)
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
	cores int
	// disp is the NIC's dispatch (read-only: safe on every core).
	disp  func(*maestro.Packet) int
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
	// raw says the parallel NF reads no header field (nic.HeaderReader):
	// like the DPDK and AF_XDP backends, the worker then hands it packets
	// loaded without a parse, so the analysis's claim is tested too.
	raw bool
	// buf holds the packet the NF processes, reused for every frame: the
	// NF must not keep packet data (the real backends reuse their buffers
	// too), and whatever is compared later is copied out of it.
	buf []byte
	// refused counts this core's container refusals (nil if unknown).
	refused func() int64
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

// runOne is run for the one frame i (trace-order runs), without building
// a slice per frame.
func (w *worker) runOne(i int) (ok bool) {
	defer func() {
		if e := recover(); e != nil {
			w.out.violations = append(w.out.violations, fmt.Sprintf("core %d panicked: %v", w.core, e))
			ok = false
		}
	}()
	w.one(i)
	return true
}

func (w *worker) one(i int) {
	f := &w.trace.Frames[i]
	want := &w.want[i]
	nat := w.opts.NAT
	p := &w.pkts[0]
	w.buf = append(w.buf[:0], f.Data...)
	p.Reset(w.buf, f.Port, f.Time)
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
		if c := dispatch(w.disp, p, w.cores); ok && w.opts.Exact && c != w.core {
			w.out.violations = append(w.out.violations, fmt.Sprintf("frame %d: the reply to external port %d, which core %d gave its flow, reaches core %d", i, port, w.core, c))
		}
	}
	if w.raw {
		p.Load(p.Data, p.InPort, p.Time)
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
	if w.raw && nat != nil {
		p.Parse() // the NAT bookkeeping below reads the headers
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
	if why == "" {
		why = difference(v, want.v, p.Data, want.data)
	}
	if why == "" {
		return
	}
	w.out.mismatches++
	if len(w.out.first) < w.opts.Keep {
		if w.refused != nil {
			where := fmt.Sprintf("core %d:", w.core)
			if _, shared := w.par.(Locked); shared {
				where = "(shared state):"
			}
			why += capacityWhy(want.refused, w.refused(), where)
		}
		w.out.first = append(w.out.first, Mismatch{Index: i, Core: w.core, Port: f.Port, Seq: want.v, Par: v,
			SeqData: append([]byte(nil), want.data...), ParData: append([]byte(nil), p.Data...), Why: why})
	}
}

// capacityWhy completes a mismatch's Why when, by the time of the
// mismatch, the two sides' containers had refused different numbers of
// inserts for lack of room: the mismatch then most likely comes from
// capacity (an insert refused on one side only), not from sharding.
func capacityWhy(seq, par int64, where string) string {
	if seq == par {
		return ""
	}
	return fmt.Sprintf(" (capacity: inserts refused for lack of room so far: sequential %d, parallel %s %d)", seq, where, par)
}

// mapPort checks that the external port the parallel NAT gave p's flow
// corresponds consistently to the sequential one, records the pair, and
// rewrites p's source port to the sequential port so the bytes compare.
func (w *worker) mapPort(i int, p *maestro.Packet, want *seqResult) string {
	if p.SrcIP != w.opts.NAT.ExternalIP || !p.HasPorts() {
		return ""
	}
	f := &w.trace.Frames[i]
	// Parsing only reads the frame: the trace's own bytes serve.
	var in maestro.Packet
	in.Reset(f.Data, f.Port, f.Time)
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

// natFlow is a LAN flow's external port in the sequential NAT and when
// the NAT last refreshed the flow.
type natFlow struct {
	port   uint16
	last   int64
	reused bool // the NAT has given the port to another flow since
}

// translateReply addresses a WAN reply (as generated: to the LAN host) to
// the NAT's external address and the port the flow got, and returns that
// port (0, and no change, for a flow the NAT never forwarded, or that has
// expired and whose port the sequential NAT has given to another flow
// since: each side reuses ports in its own order, so a reply addressed to
// the stale port compares nothing). A flow the NAT kept alive longer than
// the harness saw (refreshed by a packet it should have ignored) keeps its
// port, and the reply still tests it.
func translateReply(p *maestro.Packet, nat *NAT, m map[maestro.FlowID]natFlow, now int64) uint16 {
	if !p.HasPorts() {
		return 0
	}
	f, ok := m[replyFlow(p)]
	if !ok || (f.reused && nat.Timeout > 0 && now-f.last >= nat.Timeout) {
		return 0
	}
	p.SetDstIP(nat.ExternalIP)
	p.SetDstPort(f.port)
	return f.port
}

// learnExternal returns the external port of a LAN packet the NAT
// forwarded (0 if it did not translate the packet).
func learnExternal(out *maestro.Packet, v maestro.Verdict, nat *NAT) uint16 {
	if v != maestro.Forward(nat.WAN) || out.SrcIP != nat.ExternalIP || !out.HasPorts() {
		return 0
	}
	return out.SrcPort
}

// refuser is a maestro container that counts the inserts it refused for
// lack of room.
type refuser interface{ Refusals() uint64 }

// refusalCounter returns a function summing the refusals of nf's
// containers: the fields of the struct nf points to that are maestro
// containers with a Refusals method (the //maestro:state fields). It
// returns a function always giving 0 for anything else. The fields are
// unexported, so reflect alone cannot call their methods; the harness
// reads them through their address, which is only ever read.
func refusalCounter(nf any) func() int64 {
	v := reflect.ValueOf(nf)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return func() int64 { return 0 }
	}
	st := v.Elem()
	var rs []refuser
	for i := range st.NumField() {
		f := st.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() {
			continue
		}
		x := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
		if r, ok := x.(refuser); ok {
			rs = append(rs, r)
		}
	}
	return func() int64 {
		var n int64
		for _, r := range rs {
			n += int64(r.Refusals())
		}
		return n
	}
}

// parRefusalCounters returns a refusal counter per core of par, through
// the Instance(core) method maestrogen generates, or nil if par has none.
// A lock-based NF's instances are views of one state: each counts it all.
func parRefusalCounters(par Parallel) []func() int64 {
	m := reflect.ValueOf(par).MethodByName("Instance")
	if !m.IsValid() || m.Type().NumIn() != 1 || m.Type().In(0).Kind() != reflect.Int || m.Type().NumOut() != 1 {
		return nil
	}
	out := make([]func() int64, par.Cores())
	for c := range out {
		out[c] = refusalCounter(m.Call([]reflect.Value{reflect.ValueOf(c)})[0].Interface())
	}
	return out
}

// pass is one completed pass of a lock-based NF as its LockGroup reported
// it: the frame, the epoch, and whether it was the write pass that started
// the epoch.
type pass struct {
	frame int
	epoch uint64
	write bool
}

// parOut is the parallel NF's result for one frame of a serialised run.
type parOut struct {
	v    maestro.Verdict
	core int
	done bool
	// readdressed says that the frame, a NAT reply, was addressed to the
	// NAT's external address and port dst before the NF got it: the
	// replay gives the sequential NF the frame readdressed the same way.
	readdressed bool
	dst         uint16
	// out is the packet as the NF left it (outArena.keep).
	out []byte
}

// serialWorker runs one core's packets of a lock-based NF in a
// concurrent run and records its passes.
type serialWorker struct {
	core  int
	par   Parallel
	trace *soft.Trace
	opts  *Options
	nat   *sharedNAT
	// out is indexed by frame; each frame belongs to one worker, which
	// alone writes its entry.
	out []parOut
	// buf holds the packet the NF processes, reused for every frame (the
	// NF must not keep packet data); arena keeps what the replay compares
	// (parOut.out).
	buf   []byte
	arena outArena
	// cur is the frame in progress, for the recorder, which runs on this
	// worker's goroutine.
	cur        int
	passes     []pass
	violations []string
	pkts       [1]maestro.Packet
	vs         [1]maestro.Verdict
}

// sharedNAT is, in a serialised run of a lock-based NAT, the external port
// the parallel NAT gave each LAN flow so far: the one state serves every
// core, so a reply on any core is addressed by what any core learned.
type sharedNAT struct {
	mu    sync.Mutex
	ports map[maestro.FlowID]uint16
}

// runSerialized runs a lock-based parallel NF concurrently, recording the
// order its locks serialised the passes in, rebuilds that order (every
// read pass that saw epoch e-1, in trace order, then the write pass that
// started epoch e, then the read passes that saw e...) and replays it
// through seq, comparing every packet exactly. The packet of an aborted
// read pass is placed by its write pass. Each packet's input (with NAT,
// the reply as addressed during the run) is replayed as the parallel NF
// got it.
//
// cfgs is the configuration disp was built from and dc, if not nil, caches
// the trace's dispatch.
func runSerialized(seq maestro.NF, par Parallel, g *maestro.LockGroup, trace *soft.Trace, opts *Options, disp func(*maestro.Packet) int, cfgs []rss.Config, dc *dispatchCache, r *Report) *Report {
	cores := r.Cores
	n := len(trace.Frames)
	queues := make([][]int, cores)
	var coreOf []int // not modified once computed
	var p maestro.Packet
	scratch := make([]byte, 0, maxFrame(trace))
	if opts.NAT == nil {
		coreOf = dc.coresOf(trace, disp, cfgs, cores)
		for _, c := range coreOf {
			r.PerCore[c]++
		}
	} else {
		coreOf = make([]int, n)
	}
	for i := 0; i < n && opts.NAT != nil; i++ {
		f := &trace.Frames[i]
		// Parsing and hashing only read the frame: only a readdressed
		// reply needs a copy.
		p.Reset(f.Data, f.Port, f.Time)
		if opts.NAT != nil && f.Port == opts.NAT.WAN && p.HasPorts() {
			// Replies reach the NAT at its address; any spreading is
			// correct for a lock-based NF.
			p.Reset(append(scratch[:0], f.Data...), f.Port, f.Time)
			p.SetDstIP(opts.NAT.ExternalIP)
		}
		c := max(disp(&p), 0) % cores
		coreOf[i] = c
		r.PerCore[c]++
	}
	for c := range queues {
		queues[c] = make([]int, 0, r.PerCore[c])
	}
	for i, c := range coreOf {
		queues[c] = append(queues[c], i)
	}
	out := make([]parOut, n)
	var nat *sharedNAT
	if opts.NAT != nil {
		nat = &sharedNAT{ports: map[maestro.FlowID]uint16{}}
	}
	workers := make([]*serialWorker, cores)
	for c := range workers {
		workers[c] = &serialWorker{core: c, par: par, trace: trace, opts: opts, nat: nat, out: out,
			buf: make([]byte, 0, cap(scratch))}
		defer workers[c].arena.release()
	}
	g.SetRecorder(func(core int, _ *maestro.Packet, epoch uint64, write bool) {
		w := workers[core]
		w.passes = append(w.passes, pass{frame: w.cur, epoch: epoch, write: write})
	})
	defer g.SetRecorder(nil)
	var wg sync.WaitGroup
	for c, w := range workers {
		wg.Go(func() { w.run(queues[c]) })
	}
	wg.Wait()

	var order []pass
	for _, w := range workers {
		r.Violations = append(r.Violations, w.violations...)
		order = append(order, w.passes...)
	}
	seqCount := refusalCounter(seq)
	r.ParRefusals = -1
	if counts := parRefusalCounters(par); counts != nil {
		r.ParRefusals = counts[0]()
	}
	if len(r.Violations) > 0 {
		// A panic leaves the state half-written, which no replay
		// reproduces: the violations are the report.
		return r
	}
	slices.SortFunc(order, func(x, y pass) int {
		if x.epoch != y.epoch {
			return cmp.Compare(x.epoch, y.epoch)
		}
		if x.write != y.write {
			if x.write {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.frame, y.frame)
	})
	if v := checkOrder(order, n); v != "" {
		r.Violations = append(r.Violations, v)
		return r
	}
	r.Serialized = true
	r.WritePasses = int(g.Epoch())
	var all []Mismatch
	for k, ps := range order {
		i, f := ps.frame, &trace.Frames[ps.frame]
		got := &out[i]
		p.Reset(append(scratch[:0], f.Data...), f.Port, f.Time)
		if got.readdressed {
			p.SetDstIP(opts.NAT.ExternalIP)
			p.SetDstPort(got.dst)
		}
		v := seq.Process(&p)
		gotData := got.out
		why := difference(v, got.v, p.Data, gotData)
		if why == "" {
			continue
		}
		r.Mismatches++
		if len(all) < opts.Keep {
			kind := "read"
			if ps.write {
				kind = "write"
			}
			why += fmt.Sprintf(" (replayed %d of %d, %s pass of epoch %d)", k+1, n, kind, ps.epoch)
			all = append(all, Mismatch{Index: i, Core: got.core, Port: f.Port, Seq: v, Par: got.v,
				SeqData: append([]byte(nil), p.Data...), ParData: append([]byte(nil), gotData...), Why: why})
		}
	}
	r.SeqRefusals = seqCount()
	sortMismatches(all)
	r.First = all
	return r
}

// checkOrder checks a rebuilt serialisation: every frame exactly once, and
// one write pass per epoch after the first.
func checkOrder(order []pass, frames int) string {
	if len(order) != frames {
		return fmt.Sprintf("the lock group recorded %d passes for %d packets", len(order), frames)
	}
	seen := make([]bool, frames)
	var writes uint64
	for _, ps := range order {
		if seen[ps.frame] {
			return fmt.Sprintf("frame %d recorded twice", ps.frame)
		}
		seen[ps.frame] = true
		if ps.write {
			if writes++; ps.epoch != writes {
				return fmt.Sprintf("write pass of frame %d has epoch %d, want %d", ps.frame, ps.epoch, writes)
			}
		}
	}
	return ""
}

// run processes the frames idx, stopping at a panic (recorded as a
// violation: the NF's state is then unusable).
func (w *serialWorker) run(idx []int) {
	defer func() {
		if e := recover(); e != nil {
			w.violations = append(w.violations, fmt.Sprintf("core %d panicked: %v", w.core, e))
		}
	}()
	for _, i := range idx {
		w.one(i)
	}
}

func (w *serialWorker) one(i int) {
	f := &w.trace.Frames[i]
	nat := w.opts.NAT
	p := &w.pkts[0]
	w.buf = append(w.buf[:0], f.Data...)
	p.Reset(w.buf, f.Port, f.Time)
	var dst uint16
	readdressed := false
	if nat != nil && f.Port == nat.WAN && p.HasPorts() {
		// Address the reply to the port the NAT gave its flow, if it
		// has forwarded the flow yet (else it is unsolicited, as on a
		// real network). The replay readdresses the frame the same way.
		w.nat.mu.Lock()
		port, ok := w.nat.ports[replyFlow(p)]
		w.nat.mu.Unlock()
		if ok {
			p.SetDstIP(nat.ExternalIP)
			p.SetDstPort(port)
			dst, readdressed = port, true
		}
	}
	var id maestro.FlowID
	if nat != nil && f.Port == nat.LAN {
		id = p.Flow()
	}
	w.cur = i
	w.vs[0] = noVerdict
	w.par.ProcessBurst(w.core, w.pkts[:], w.vs[:])
	v := w.vs[0]
	switch {
	case v == noVerdict:
		w.violations = append(w.violations, fmt.Sprintf("frame %d: no verdict", i))
	case v != maestro.Drop && v != maestro.Flood && (v < 0 || int(v) >= w.opts.Ports):
		w.violations = append(w.violations, fmt.Sprintf("frame %d: verdict %v is not a valid port (%d ports)", i, v, w.opts.Ports))
	}
	w.out[i] = parOut{v: v, core: w.core, done: true, readdressed: readdressed, dst: dst, out: w.arena.keep(p.Data, f.Data)}
	if nat != nil && f.Port == nat.LAN {
		if ext := learnExternal(p, v, nat); ext != 0 {
			w.nat.mu.Lock()
			w.nat.ports[id] = ext
			w.nat.mu.Unlock()
		}
	}
}

// difference says how a packet's result (verdict and bytes) differs from
// the expected one, or "" when it does not.
func difference(v, want maestro.Verdict, data, wantData []byte) string {
	switch {
	case v != want:
		return "verdicts differ"
	case !bytes.Equal(data, wantData):
		return "bytes differ"
	}
	return ""
}
