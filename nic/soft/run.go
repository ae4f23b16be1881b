package soft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
)

// Mode selects how Run schedules the workers.
type Mode int

const (
	// TraceOrder processes packets in exact trace order on the calling
	// goroutine: the trace is cut into bursts of consecutive packets that
	// the dispatcher sends to the same queue (at most nic.BurstSize), and
	// each burst is processed, for its core, before the next is formed. A
	// parallel Processor therefore sees the same interleaving as a
	// sequential NF, whatever its state strategy, and the run is
	// deterministic: this is the mode for differential tests. Outputs are
	// written in input order.
	TraceOrder Mode = iota
	// Concurrent runs one worker goroutine per core, truly in parallel. A
	// dispatcher goroutine (the caller's) reads the source, parses each
	// packet once, picks its queue and fills per-queue bursts; each worker
	// consumes its queue's bursts in order. Guarantees: packets of one queue
	// are processed in input order (so per-flow order holds for any
	// dispatch that keeps a flow on one queue), and, when a Sink is given,
	// every output port's frames are written in input order across all
	// queues (a collector goroutine merges the workers' bursts by sequence
	// number), so output files of sequential and parallel runs compare
	// frame by frame. Queues do not drop: a slow worker back-pressures the
	// dispatcher, so Stats.Missed stays 0.
	Concurrent
)

// String returns "trace-order" or "concurrent".
func (m Mode) String() string {
	switch m {
	case TraceOrder:
		return "trace-order"
	case Concurrent:
		return "concurrent"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Config configures Run. The zero value runs in TraceOrder mode with the
// source's ports, the processor's RSS (or a hash) dispatcher and no output.
type Config struct {
	// Ports is the number of NIC ports (input and output). 0 means the
	// source's number of ports; it may be larger (an NF may send out of a
	// port that receives nothing) but not smaller.
	Ports int
	// Mode is TraceOrder or Concurrent.
	Mode Mode
	// Dispatch chooses each packet's queue; nil means the processor's own
	// RSS configuration when it is an RSSProcessor (a generated parallel
	// NF), else HashDispatcher.
	Dispatch Dispatch
	// Sink receives the frames the NF sends; nil discards them (they are
	// still counted).
	Sink Sink
	// Progress, if set, is called from its own goroutine every
	// ProgressEvery (default one second) while the run lasts.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// QueueDepth is, in Concurrent mode, how many bursts each queue may hold
	// beyond what the dispatcher is filling (default 8).
	QueueDepth int
	// Pin, in Concurrent mode, binds worker i to CPU i (modulo the CPUs
	// available), as a poll-loop backend does. Off by default: on a machine
	// with few CPUs the dispatcher needs one too.
	Pin bool
}

// Progress is a snapshot of a running Run.
type Progress struct {
	Packets uint64        // packets processed so far
	Elapsed time.Duration // since Run started
	// Ports and Bytes are the per-port counts so far, as in Result (Missed
	// stays 0 in the software backend); a reporter derives live per-port
	// rates from the difference between two snapshots.
	Ports []nic.Stats
	Bytes []Bytes
}

// Bytes counts the frame bytes a port received and sent: the frames'
// lengths on the wire without the FCS, as a capture stores them (a frame
// the capture truncated counts at its wire length).
type Bytes struct {
	RX, TX uint64
}

// Gbps returns bits per second, in billions, of n bytes over d.
func Gbps(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) * 8 / d.Seconds() / 1e9
}

// Mpps returns the average rate so far in millions of packets per second.
func (p Progress) Mpps() float64 { return mpps(p.Packets, p.Elapsed) }

// Result is what Run counted.
type Result struct {
	// Ports has one entry per port: RX packets received on it, TX frames
	// sent out of it (a flooded packet counts on every port it leaves by),
	// Dropped packets received on it that the NF dropped.
	Ports []nic.Stats
	// Bytes has one entry per port: the bytes of the frames counted in
	// Ports' RX and TX (a flooded frame counts on every port it leaves by).
	Bytes []Bytes
	// Cores has one entry per worker: RX packets it processed, TX frames it
	// sent, Dropped packets it dropped.
	Cores []nic.Stats
	// Packets is the number of packets processed.
	Packets uint64
	// BadPort counts Forward verdicts to a port at or beyond Ports (and
	// verdicts that are neither Drop, Flood nor Forward). They are also
	// counted as dropped.
	BadPort uint64
	// Refused counts frames too large for the backend to hand to the NF
	// (the DPDK backend's PortStats.Refused); they are also counted in
	// their ports' Missed. The software backend refuses none: its reader
	// fails on a record above MaxRecord.
	Refused uint64
	// ClampedTimes counts frames whose timestamp was earlier than the
	// frame's before them (a capture whose timestamps go back): each was
	// processed at that earlier frame's time, so that the time an NF sees
	// never goes back. A shared-nothing NF's cores expire their state at
	// the times of their own packets, which equals the sequential NF's
	// expiry only then (Trace.MonotonicTimes does the same to a trace).
	ClampedTimes uint64
	// Elapsed is the wall-clock duration of the run, reading included.
	Elapsed time.Duration
}

// Mpps returns the processing rate in millions of packets per second.
func (r *Result) Mpps() float64 { return mpps(r.Packets, r.Elapsed) }

// Total returns the sum of the per-port statistics.
func (r *Result) Total() nic.Stats {
	var t nic.Stats
	for _, s := range r.Ports {
		t.Add(s)
	}
	return t
}

func mpps(n uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds() / 1e6
}

// burst is one batch of packets for one core, with the buffers the packets
// are copied into (the NF rewrites them in place, and the source's bytes
// must stay intact for replays).
type burst struct {
	core     int
	n        int
	pkts     [nic.BurstSize]maestro.Packet
	verdicts [nic.BurstSize]maestro.Verdict
	bufs     [nic.BurstSize][]byte
	in       [nic.BurstSize]int    // input port, kept apart from what the NF may rewrite
	wire     [nic.BurstSize]int    // wire length from the source (Frame.Len)
	rxLen    [nic.BurstSize]int    // bytes received: the source's Frame.WireLen
	seq      [nic.BurstSize]uint64 // input order, for the output merge
}

// minBuf is the smallest packet buffer allocated: a full-size Ethernet frame,
// so that traces of ordinary frames never reallocate.
const minBuf = 2048

// add appends the frame f, already parsed into pkt, as the burst's next
// packet.
func (b *burst) add(pkt *maestro.Packet, f *Frame, seq uint64) {
	i := b.n
	n := len(f.Data)
	if cap(b.bufs[i]) < n {
		b.bufs[i] = make([]byte, max(n, minBuf))
	}
	buf := b.bufs[i][:n]
	copy(buf, f.Data)
	b.pkts[i] = *pkt // the parsed fields hold offsets, valid for the copy
	b.pkts[i].Data = buf
	b.in[i] = int(f.Port)
	b.wire[i] = f.Len
	b.rxLen[i] = f.WireLen()
	b.seq[i] = seq
	b.n++
}

// counters are one core's statistics. Only the core's worker writes them
// (once per burst); the progress reporter and the final summary read them.
type counters struct {
	rx, tx, dropped, bad atomic.Uint64
	port                 []atomic.Uint64 // perPort per port: rx, tx, dropped, rx bytes, tx bytes
	local                []uint64        // the worker's per-burst scratch
	_                    [64]byte        // keep cores' counters off each other's cache lines
}

// perPort is the number of counters per port in counters.port.
const perPort = 5

// snapshot sums the cores' per-port counters.
func (r *runner) snapshot() ([]nic.Stats, []Bytes) {
	ports, bytes := make([]nic.Stats, r.ports), make([]Bytes, r.ports)
	for _, c := range r.cnt {
		for port := range r.ports {
			k := perPort * port
			ports[port].Add(nic.Stats{RX: c.port[k].Load(), TX: c.port[k+1].Load(), Dropped: c.port[k+2].Load()})
			bytes[port].RX += c.port[k+3].Load()
			bytes[port].TX += c.port[k+4].Load()
		}
	}
	return ports, bytes
}

// runner holds the state shared by both modes.
type runner struct {
	proc     nic.Processor
	cores    int
	ports    int
	dispatch Dispatch
	sink     Sink
	cnt      []*counters
	trace    *Trace // set when the source is a TraceReader: read it directly
	pos      *int   // the TraceReader's position
	pin      bool
	// last is the time of the frame read last, clamped counts frames
	// whose time next raised to it (Result.ClampedTimes). Only the
	// goroutine calling next touches them.
	last    int64
	clamped uint64
}

// queue returns p's queue, reduced to a valid core.
func (r *runner) queue(p *maestro.Packet) int {
	q := r.dispatch(p)
	if q < 0 {
		return 0
	}
	return q % r.cores
}

// process runs the NF on b and counts the verdicts for b.core.
func (r *runner) process(b *burst) {
	r.proc.ProcessBurst(b.core, b.pkts[:b.n], b.verdicts[:b.n])
	c := r.cnt[b.core]
	loc := c.local
	clear(loc)
	var tx, dropped, bad uint64
	for i := range b.n {
		in := perPort * b.in[i]
		loc[in]++
		loc[in+3] += uint64(b.rxLen[i])
		// What leaves has the length the NF left the frame with.
		out := uint64(max(b.wire[i], len(b.pkts[i].Data)))
		v := b.verdicts[i]
		switch {
		case v == maestro.Drop:
			loc[in+2]++
			dropped++
		case v == maestro.Flood:
			for o := range r.ports {
				if o != b.in[i] {
					loc[perPort*o+1]++
					loc[perPort*o+4] += out
				}
			}
			tx += uint64(r.ports - 1)
		case v >= 0 && int(v) < r.ports:
			loc[perPort*int(v)+1]++
			loc[perPort*int(v)+4] += out
			tx++
		default:
			loc[in+2]++
			dropped++
			bad++
		}
	}
	c.rx.Add(uint64(b.n))
	c.tx.Add(tx)
	c.dropped.Add(dropped)
	if bad != 0 {
		c.bad.Add(bad)
	}
	for i, v := range loc {
		if v != 0 {
			c.port[i].Add(v)
		}
	}
}

// emit writes packet i of b to the sink according to its verdict.
func (r *runner) emit(b *burst, i int) error {
	p := &b.pkts[i]
	f := Frame{Time: p.Time, Data: p.Data, Len: b.wire[i]}
	v := b.verdicts[i]
	switch {
	case v == maestro.Flood:
		// Every other port gets the frame; Sink.Write copies (or writes
		// out) what it keeps, so each port's copy is independent.
		for o := range r.ports {
			if o != b.in[i] {
				f.Port = maestro.Port(o)
				if err := r.sink.Write(f); err != nil {
					return err
				}
			}
		}
	case v >= 0 && int(v) < r.ports:
		f.Port = maestro.Port(v)
		return r.sink.Write(f)
	}
	return nil
}

func (r *runner) processed() uint64 {
	var n uint64
	for _, c := range r.cnt {
		n += c.rx.Load()
	}
	return n
}

// Run receives every frame of src, runs proc on them in bursts on
// proc.Cores() workers as cfg says, applies the verdicts (Forward: to that
// port's output; Drop: counted; Flood: to every port but the input port) and
// returns the statistics. It stops early, returning what it counted and the
// error, when the source fails, the sink fails or ctx is done (a Drainer
// source first gives up, and Run processes, what it has already read).
//
// Run does not allocate per packet: bursts and their packet buffers are
// allocated once (buffers grow only for a frame longer than any before).
func Run(ctx context.Context, src Source, proc nic.Processor, cfg Config) (*Result, error) {
	start := time.Now()
	cores := proc.Cores()
	if cores < 1 {
		return nil, fmt.Errorf("soft: processor has %d cores", cores)
	}
	ports := cfg.Ports
	if ports == 0 {
		ports = src.Ports()
	}
	if ports < src.Ports() {
		return nil, fmt.Errorf("soft: %d ports configured but the source has %d", ports, src.Ports())
	}
	if ports < 1 {
		return nil, errors.New("soft: no ports")
	}
	r := &runner{proc: proc, cores: cores, ports: ports, dispatch: cfg.Dispatch, sink: cfg.Sink, pin: cfg.Pin, last: math.MinInt64}
	if r.dispatch == nil {
		// A generated parallel NF's shards follow its RSS configuration:
		// any other default would silently give different results.
		if rp, ok := proc.(RSSProcessor); ok {
			d, err := RSSDispatcher(rp.RSS()...)
			if err != nil {
				return nil, fmt.Errorf("soft: the processor's RSS configuration: %w", err)
			}
			r.dispatch = d
		} else {
			r.dispatch = HashDispatcher(cores)
		}
	}
	if tr, ok := src.(*TraceReader); ok {
		r.trace, r.pos = tr.t, &tr.i
	}
	for range cores {
		r.cnt = append(r.cnt, &counters{port: make([]atomic.Uint64, perPort*ports), local: make([]uint64, perPort*ports)})
	}

	stopProgress := r.startProgress(cfg, start)
	var err error
	switch cfg.Mode {
	case TraceOrder:
		err = r.runTraceOrder(ctx, src)
	case Concurrent:
		err = r.runConcurrent(ctx, src, cfg.QueueDepth)
	default:
		err = fmt.Errorf("soft: unknown mode %v", cfg.Mode)
	}
	stopProgress()

	res := &Result{Cores: make([]nic.Stats, cores), ClampedTimes: r.clamped, Elapsed: time.Since(start)}
	for core, c := range r.cnt {
		res.Cores[core] = nic.Stats{RX: c.rx.Load(), TX: c.tx.Load(), Dropped: c.dropped.Load()}
		res.Packets += c.rx.Load()
		res.BadPort += c.bad.Load()
	}
	res.Ports, res.Bytes = r.snapshot()
	return res, err
}

// startProgress starts the progress reporter, if any, and returns the
// function that stops it.
func (r *runner) startProgress(cfg Config, start time.Time) (stop func()) {
	if cfg.Progress == nil {
		return func() {}
	}
	every := cfg.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ports, bytes := r.snapshot()
				cfg.Progress(Progress{Packets: r.processed(), Elapsed: time.Since(start), Ports: ports, Bytes: bytes})
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// next reads the next frame of src, checking its port, and raises a time
// earlier than the last frame's to it (Result.ClampedTimes). In-memory
// traces are read without an interface call per packet.
func (r *runner) next(src Source) (Frame, error) {
	var f Frame
	if r.trace != nil {
		if *r.pos >= len(r.trace.Frames) {
			return Frame{}, io.EOF
		}
		f = r.trace.Frames[*r.pos]
		*r.pos++
	} else {
		var err error
		if f, err = src.Next(); err != nil {
			return f, err
		}
	}
	if int(f.Port) >= r.ports {
		return f, fmt.Errorf("soft: frame on port %d, but only %d ports", f.Port, r.ports)
	}
	if f.Time < r.last {
		f.Time = r.last
		r.clamped++
	} else {
		r.last = f.Time
	}
	return f, nil
}

// Waiter is an optional interface of a Source whose Next may wait (a paced
// replay, a live port). Run's Concurrent mode asks before each read and,
// when the next frame is not ready, hands the bursts it is filling to the
// workers first, so that a slow source's packets are processed and written
// as they come rather than when a chunk of bursts fills.
type Waiter interface {
	// Ready reports whether Next would return without waiting.
	Ready() bool
}

// ctxEvery is how many packets the loops process between checks of ctx.
const ctxEvery = 4096

func (r *runner) runTraceOrder(ctx context.Context, src Source) error {
	// The one burst gets every buffer up front: how many slots a run
	// fills depends on how the dispatch cuts the trace, and the cost of a
	// run should not.
	b := &burst{}
	for i := range b.bufs {
		b.bufs[i] = make([]byte, minBuf)
	}
	var pkt maestro.Packet
	flush := func() error {
		if b.n == 0 {
			return nil
		}
		r.process(b)
		if r.sink != nil {
			for i := range b.n {
				if err := r.emit(b, i); err != nil {
					return err
				}
			}
		}
		b.n = 0
		return nil
	}
	draining := false // ctx is done and src returns what it holds (Drainer)
	for n := 0; ; n++ {
		if n%ctxEvery == 0 && !draining && ctx.Err() != nil {
			if draining = drain(src, ctx.Err()); !draining {
				if err := flush(); err != nil {
					return err
				}
				return ctx.Err()
			}
		}
		f, err := r.next(src)
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
		pkt.Reset(f.Data, f.Port, f.Time)
		q := r.queue(&pkt)
		if b.n > 0 && (b.core != q || b.n == nic.BurstSize) {
			if err := flush(); err != nil {
				return err
			}
		}
		b.core = q
		b.add(&pkt, &f, uint64(n))
	}
}

// chunkBursts is, in Concurrent mode, how many bursts per core the
// dispatcher fills before sending every partial burst on: a real NIC's poll
// loop takes whatever its ring holds, and flushing regularly is what keeps
// the output merge from waiting forever on a half-filled burst.
const chunkBursts = 4

// ring is a FIFO of bursts with fixed capacity.
type ring struct {
	buf        []*burst
	head, size int
}

func (q *ring) push(b *burst) {
	q.buf[(q.head+q.size)%len(q.buf)] = b
	q.size++
}

func (q *ring) front() *burst { return q.buf[q.head] }

func (q *ring) pop() {
	q.buf[q.head] = nil
	q.head = (q.head + 1) % len(q.buf)
	q.size--
}

func (r *runner) runConcurrent(ctx context.Context, src Source, depth int) error {
	if depth <= 0 {
		depth = 8
	}
	// Bursts in flight: while filling one chunk the dispatcher holds at most
	// chunkBursts full and one partial burst per core, and everything from
	// earlier chunks can be completed without it, so this many bursts can
	// never deadlock the output merge; depth adds room for the workers.
	total := r.cores * (chunkBursts + 1 + depth)
	pool := make(chan *burst, total)
	for range total {
		pool <- &burst{}
	}
	work := make([]chan *burst, r.cores)
	for i := range work {
		work[i] = make(chan *burst, total)
	}
	var done chan *burst // processed bursts for the collector, when there is a sink
	if r.sink != nil {
		done = make(chan *burst, total)
	}
	var stop atomic.Bool // set when the collector failed: no point going on
	var workers sync.WaitGroup
	for core := range r.cores {
		workers.Go(func() {
			if r.pin {
				// An affinity failure costs speed, not correctness.
				_ = nic.PinThread(core)
			}
			for b := range work[core] {
				r.process(b)
				if done != nil {
					done <- b
				} else {
					b.n = 0
					pool <- b
				}
			}
		})
	}
	var sinkErr error
	var collector sync.WaitGroup
	if done != nil {
		collector.Go(func() {
			sinkErr = r.collect(done, pool, total, &stop)
		})
	}

	var srcErr error
	waiter, _ := src.(Waiter)
	cur := make([]*burst, r.cores)
	var pkt maestro.Packet
	var seq uint64
	chunk := nic.BurstSize * chunkBursts * r.cores
	draining := false // ctx is done and src returns what it holds (Drainer)
dispatch:
	for {
		if err := ctx.Err(); err != nil && !draining {
			if draining = drain(src, err); !draining {
				srcErr = err
				break
			}
		}
		if stop.Load() {
			break
		}
		for n := range chunk {
			// Before a read that would wait (a paced replay), what was
			// read goes to the workers: it is processed and written now,
			// not when the chunk fills.
			if n > 0 && waiter != nil && !waiter.Ready() {
				break
			}
			f, err := r.next(src)
			if err != nil {
				if err != io.EOF {
					srcErr = err
				}
				break dispatch
			}
			pkt.Reset(f.Data, f.Port, f.Time)
			q := r.queue(&pkt)
			b := cur[q]
			if b == nil {
				b = <-pool
				b.core = q
				cur[q] = b
			}
			b.add(&pkt, &f, seq)
			seq++
			if b.n == nic.BurstSize {
				work[q] <- b
				cur[q] = nil
			}
		}
		for q, b := range cur {
			if b != nil {
				work[q] <- b
				cur[q] = nil
			}
		}
	}
	// Whatever was read is processed, so the statistics match the outputs.
	for q, b := range cur {
		if b != nil {
			work[q] <- b
		}
	}
	for _, w := range work {
		close(w)
	}
	workers.Wait()
	if done != nil {
		close(done)
		collector.Wait()
	}
	if srcErr != nil {
		return srcErr
	}
	return sinkErr
}

// collect receives processed bursts and writes their packets to the sink in
// input (sequence) order: each core's bursts arrive in order, so the next
// packet to write is always at the front of one core's FIFO.
func (r *runner) collect(done <-chan *burst, pool chan<- *burst, total int, stop *atomic.Bool) error {
	fifos := make([]ring, r.cores)
	pos := make([]int, r.cores) // next packet in each FIFO's front burst
	for i := range fifos {
		fifos[i].buf = make([]*burst, total)
	}
	var next uint64
	var firstErr error
	drain := func() {
		for progressed := true; progressed; {
			progressed = false
			for c := range fifos {
				q := &fifos[c]
				for q.size > 0 {
					b := q.front()
					if b.seq[pos[c]] != next {
						break
					}
					if firstErr == nil {
						if err := r.emit(b, pos[c]); err != nil {
							firstErr = err
							stop.Store(true)
						}
					}
					next++
					progressed = true
					if pos[c]++; pos[c] == b.n {
						q.pop()
						pos[c] = 0
						b.n = 0
						pool <- b
					}
				}
			}
		}
	}
	for b := range done {
		fifos[b.core].push(b)
		drain()
	}
	return firstErr
}
