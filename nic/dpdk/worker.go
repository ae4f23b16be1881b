//go:build dpdk

package dpdk

/*
#include <rte_malloc.h>
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"golang.org/x/sys/unix"
)

// queueCounters are one worker's counters for one port. Only that worker
// writes them (see worker.publish), except missed, which the dispatcher
// adds to.
type queueCounters struct {
	rx, tx, dropped, missed, txFailed, refused atomic.Uint64
}

// workerStats are one worker's counters, on their own cache lines.
type workerStats struct {
	_      [64]byte
	ports  []queueCounters
	lastRx atomic.Int64 // UnixNano of the last burst received, 0 before
	_      [64]byte
}

func newWorkerStats(nports int) *workerStats {
	return &workerStats{ports: make([]queueCounters, nports)}
}

func portOf(i int) maestro.Port { return maestro.Port(i) }

// idleSpins is how many empty polls in a row a worker makes before it
// starts sleeping between polls (unless Config.BusyPoll).
const idleSpins = 1024

// idleSleep is the pause between polls of an idle worker.
const idleSleep = 50 * time.Microsecond

// publishEvery is how many bursts a busy worker handles between two
// publications of its counters. The C side counts as it goes, without
// atomics; publishing costs one atomic store per counter, so it is done
// every so many bursts, whenever a poll finds nothing, and at the end.
const publishEvery = 64

// The NF writes its verdicts straight into the C burst (mx_burst.verdicts,
// int32_t), and mx_apply floods on MX_FLOOD.
var (
	_ [unsafe.Sizeof(C.int32_t(0)) - unsafe.Sizeof(maestro.Verdict(0))]struct{}
	_ [unsafe.Sizeof(maestro.Verdict(0)) - unsafe.Sizeof(C.int32_t(0))]struct{}
	_ [C.MX_FLOOD - maestro.Flood]struct{}
	_ [maestro.Flood - C.MX_FLOOD]struct{}
)

// worker is one core's poll loop.
type worker struct {
	r    *run
	core int
	cpu  int
	stop *atomic.Bool
	st   *workerStats
	ring *C.struct_rte_ring // software dispatch mode only
	b    *C.struct_mx_burst
	// bp and in are b and &b.in as the per-burst C calls take them.
	bp, in C.uintptr_t
	proc   nic.Processor
	raw    bool // load the frames without parsing them (run.raw)
	np     int
	busy   bool
	spins  int
	// unpublished counts the bursts since the counters were published.
	unpublished int
	// rx and refused count the frames received on each port since the
	// worker started: those handed to the NF and those refused. The C
	// side counts the rest (mx_burst.tx, dropped, tx_failed).
	rx, refused [MaxPorts]uint64

	pkts [nic.BurstSize]maestro.Packet
	// verdicts is b.verdicts, in C memory, where mx_apply reads them.
	verdicts []maestro.Verdict
	// seen[k] is the burst slot of pkts[k] when frames were refused, and
	// some[k] its verdict.
	seen [nic.BurstSize]int
	some [nic.BurstSize]maestro.Verdict
}

func (r *run) newWorker(core int, stop *atomic.Bool) *worker {
	w := &worker{
		r: r, core: core, cpu: r.cpus[core%len(r.cpus)], stop: stop, st: r.stats[core],
		proc: r.proc, raw: r.raw, np: len(r.ports), busy: r.cfg.BusyPoll,
	}
	if r.mode == ModeSoftware {
		w.ring = r.rings[core]
	}
	return w
}

// enterThread locks the goroutine to its thread, pins the thread to cpu (if
// cpu >= 0) and registers it with DPDK, which gives it an lcore id and thus
// a mempool cache. The thread is never unlocked: when the goroutine returns,
// the runtime ends the thread, so neither the pinning nor the lcore id leaks
// into the Go scheduler's thread pool.
func enterThread(cpu int) error {
	runtime.LockOSThread()
	if cpu >= 0 {
		var set unix.CPUSet
		set.Set(cpu)
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			return fmt.Errorf("dpdk: pinning a worker to CPU %d: %w", cpu, err)
		}
	}
	if C.rte_thread_register() < 0 {
		return fmt.Errorf("dpdk: rte_thread_register: %s", C.GoString(C.rte_strerror(C.mx_errno())))
	}
	return nil
}

func (w *worker) run(ready chan<- error) {
	if err := enterThread(w.cpu); err != nil {
		ready <- err
		return
	}
	defer C.rte_thread_unregister()
	w.b = (*C.struct_mx_burst)(C.rte_zmalloc(nil, C.size_t(unsafe.Sizeof(C.struct_mx_burst{})), 64))
	if w.b == nil {
		ready <- fmt.Errorf("dpdk: out of DPDK memory for worker %d", w.core)
		return
	}
	defer C.rte_free(unsafe.Pointer(w.b))
	defer C.mx_big_free(&w.b.in.big)
	w.bp = C.uintptr_t(uintptr(unsafe.Pointer(w.b)))
	w.in = C.uintptr_t(uintptr(unsafe.Pointer(&w.b.in)))
	w.verdicts = unsafe.Slice((*maestro.Verdict)(unsafe.Pointer(&w.b.verdicts[0])), nic.BurstSize)
	w.b.big_pool = w.r.big
	w.b.nports = C.uint16_t(len(w.r.ports))
	for i, p := range w.r.ports {
		t := &w.b.txq[i]
		t.port = C.uint16_t(p.id)
		t.queue = C.uint16_t(w.core % p.ntxq)
		if p.ntxq < w.r.cores {
			t.lock = (*C.rte_spinlock_t)(unsafe.Add(unsafe.Pointer(p.locks), uintptr(t.queue)*unsafe.Sizeof(C.rte_spinlock_t{})))
		}
	}
	if w.ring == nil && w.r.merge {
		g := newMerge(w.r, uint16(w.core))
		if g == nil {
			ready <- fmt.Errorf("dpdk: out of DPDK memory for worker %d", w.core)
			return
		}
		defer C.rte_free(unsafe.Pointer(g))
		ready <- nil
		w.pollMerged(g)
		w.publish()
		return
	}
	ready <- nil
	if w.ring != nil {
		w.pollRing()
	} else {
		w.pollPorts()
	}
	w.publish()
}

// newMerge allocates the merge state of r's ports, read on queue; nil when
// DPDK memory is short. The caller frees it with rte_free.
func newMerge(r *run, queue uint16) *C.struct_mx_merge {
	g := (*C.struct_mx_merge)(C.rte_zmalloc(nil, C.size_t(unsafe.Sizeof(C.struct_mx_merge{})), 64))
	if g == nil {
		return nil
	}
	g.nports = C.uint16_t(len(r.ports))
	g.queue = C.uint16_t(queue)
	for i, p := range r.ports {
		g.ids[i] = C.uint16_t(p.id)
	}
	return g
}

// pollMerged receives from every port in capture-time order (see
// mx_merge_rx). When told to stop, it frees what it holds, counted as
// missed on its port.
func (w *worker) pollMerged(g *C.struct_mx_merge) {
	merge := C.uintptr_t(uintptr(unsafe.Pointer(g)))
	for !w.stop.Load() {
		n := int(C.mx_merge_rx(merge, w.in))
		if n > 0 {
			w.burst(n, -1)
		}
		w.idle(n)
	}
	dropHeld(g, w.st)
}

// dropHeld frees the frames g still holds and counts them as missed, on
// their ports, in st.
func dropHeld(g *C.struct_mx_merge, st *workerStats) {
	for p := range int(g.nports) {
		if left := int(g.count[p]) - int(g.head[p]); left > 0 {
			st.ports[p].missed.Add(uint64(left))
		}
	}
	C.mx_merge_free(g)
}

// pollPorts receives from this worker's queue on every port in turn. A
// burst's verdicts are applied in the same C call that receives the next
// burst (mx_apply_rx), so that a busy worker crosses into C once per
// burst; a burst received when the worker is told to stop is still
// processed.
func (w *worker) pollPorts() {
	queue := C.uint16_t(w.core)
	ports := w.r.ports
	i, n, got := 0, 0, 0
	for !w.stop.Load() {
		next := i + 1
		if next == len(ports) {
			next = 0
		}
		id, tag := C.uint16_t(ports[next].id), C.uint16_t(next)
		if n > 0 {
			w.process(n, i)
			n = int(C.mx_apply_rx(w.bp, C.uint16_t(n), id, queue, tag))
			w.applied()
		} else {
			n = int(C.mx_rx(w.in, id, queue, tag, 0))
		}
		i = next
		got += n
		if i == 0 {
			w.idle(got)
			got = 0
		}
	}
	if n > 0 {
		w.burst(n, i)
	}
}

// pollRing receives from the software dispatcher. It stops only when told
// to and the ring is empty: the dispatcher has stopped first, so nothing
// is left behind.
func (w *worker) pollRing() {
	ring := C.uintptr_t(uintptr(unsafe.Pointer(w.ring)))
	for {
		n := int(C.mx_ring_rx(w.in, ring))
		if n > 0 {
			w.burst(n, -1)
		} else if w.stop.Load() {
			return
		}
		w.idle(n)
	}
}

func (w *worker) idle(got int) {
	if got == 0 && w.unpublished > 0 {
		w.publish()
	}
	if got > 0 || w.busy {
		w.spins = 0
		return
	}
	w.spins++
	if w.spins > idleSpins {
		time.Sleep(idleSleep)
	}
}

// burst runs the NF over the n received mbufs and applies the verdicts
// (see process).
func (w *worker) burst(n, port int) {
	w.process(n, port)
	C.mx_apply(w.bp, C.uint16_t(n))
	w.applied()
}

// process runs the NF over the n received mbufs, leaving the verdicts in
// w.b for mx_apply. port is the Maestro port every frame came from, or -1
// for a burst of several ports, which the C side has described. Frames the
// C side refused (longer than MaxFrame) are not shown to the NF: they are
// counted, and dropped.
func (w *worker) process(n, port int) {
	b := &w.b.in
	pkts := w.pkts[:n]
	if port < 0 || b.flags != 0 || !w.view(pkts, maestro.Port(port), int64(b.now)) {
		if b.flags == 0 {
			C.mx_describe(w.in, C.uint16_t(n))
		}
		if b.flags&C.MX_DESC_REFUSED != 0 {
			w.refusedBurst(n)
			return
		}
		descs := b.desc[:len(pkts)]
		now, unit := int64(b.now), w.r.tsUnit
		for i := range pkts {
			d := &descs[i]
			w.rx[d.port]++
			nic.View(&pkts[i], unsafe.Slice((*byte)(unsafe.Pointer(d.data)), d.len), maestro.Port(d.port), packetTime(d, unit, now), w.raw)
		}
	} else {
		w.rx[port] += uint64(n)
	}
	w.proc.ProcessBurst(w.core, pkts, w.verdicts[:len(pkts)])
}

// view makes pkts views of the burst's mbufs, all from port, received at
// time now: the common case, read straight from the mbufs. It returns
// false, having done part of the work, when a frame is chained (then the
// burst needs mx_describe).
func (w *worker) view(pkts []maestro.Packet, port maestro.Port, now int64) bool {
	mbufs := w.b.in.mbufs[:len(pkts)]
	// Two loops rather than a call to nic.View per frame, which does not
	// inline.
	if w.raw {
		// What Load does, without zeroing the header fields: a raw
		// worker's Packets are only ever loaded, never parsed, and an NF
		// that reads no header field writes none (a setter or an
		// assignment to one counts as a read in the analysis), so they are
		// still zero.
		for i := range pkts {
			m := mbufs[i]
			if m.nb_segs != 1 || m.pkt_len != C.uint32_t(m.data_len) {
				return false
			}
			q := &pkts[i]
			q.Data = unsafe.Slice((*byte)(unsafe.Add(m.buf_addr, m.data_off)), m.data_len)
			q.InPort, q.Time = port, now
		}
		return true
	}
	for i := range pkts {
		m := mbufs[i]
		if m.nb_segs != 1 || m.pkt_len != C.uint32_t(m.data_len) {
			return false
		}
		pkts[i].Reset(unsafe.Slice((*byte)(unsafe.Add(m.buf_addr, m.data_off)), m.data_len), port, now)
	}
	return true
}

// applied counts a burst whose verdicts the C side has applied, and
// publishes the counters every publishEvery bursts.
func (w *worker) applied() {
	if w.unpublished++; w.unpublished >= publishEvery {
		w.publish()
	}
}

// refusedBurst is burst's slow path, for a described burst with refused
// frames: the NF sees the others, and the refused ones are dropped.
func (w *worker) refusedBurst(n int) {
	b := &w.b.in
	now, unit := int64(b.now), w.r.tsUnit
	k := 0
	for i := range n {
		d := &b.desc[i]
		w.verdicts[i] = maestro.Drop
		if d.flags&C.MX_DESC_REFUSED != 0 {
			w.refused[d.port]++
			continue
		}
		w.rx[d.port]++
		w.seen[k] = i
		nic.View(&w.pkts[k], unsafe.Slice((*byte)(unsafe.Pointer(d.data)), d.len), maestro.Port(d.port), packetTime(d, unit, now), w.raw)
		k++
	}
	w.proc.ProcessBurst(w.core, w.pkts[:k], w.some[:k])
	for j, v := range w.some[:k] {
		w.verdicts[w.seen[j]] = v
	}
}

// publish copies the C side's running counts into the worker's stats.
func (w *worker) publish() {
	b := w.b
	for p := range w.np {
		q := &w.st.ports[p]
		q.rx.Store(w.rx[p])
		q.refused.Store(w.refused[p])
		q.tx.Store(uint64(b.tx[p]))
		q.dropped.Store(uint64(b.dropped[p]))
		q.txFailed.Store(uint64(b.tx_failed[p]))
	}
	if b.in.now != 0 {
		w.st.lastRx.Store(int64(b.in.now))
	}
	w.unpublished = 0
}

// packetTime returns the time of the packet d describes: its RX timestamp
// in nanoseconds when the run uses timestamps (unit > 0) and the driver
// stamped it, else now, the burst's wall-clock time.
func packetTime(d *C.struct_mx_desc, unit, now int64) int64 {
	if unit != 0 && d.flags&C.MX_DESC_TIME != 0 {
		return int64(d.time) * unit
	}
	return now
}

// dispatcher is the software dispatch poller.
type dispatcher struct {
	r    *run
	stop *atomic.Bool
	f    *C.struct_mx_fanout
	pkt  maestro.Packet
}

func (r *run) newDispatcher(stop *atomic.Bool) *dispatcher {
	return &dispatcher{r: r, stop: stop}
}

func (d *dispatcher) run(ready chan<- error) {
	r := d.r
	cpu := -1
	if len(r.cfg.CPUs) > r.cores {
		cpu = r.cfg.CPUs[r.cores]
	}
	if err := enterThread(cpu); err != nil {
		ready <- err
		return
	}
	defer C.rte_thread_unregister()
	d.f = (*C.struct_mx_fanout)(C.rte_zmalloc(nil, C.size_t(unsafe.Sizeof(C.struct_mx_fanout{})), 64))
	if d.f == nil {
		ready <- fmt.Errorf("dpdk: out of DPDK memory for the dispatcher")
		return
	}
	defer C.rte_free(unsafe.Pointer(d.f))
	defer C.mx_big_free(&d.f.in.big)
	copy(d.f.rings[:], r.rings)
	ready <- nil

	f := d.f
	in := C.uintptr_t(uintptr(unsafe.Pointer(&f.in)))
	var g *C.struct_mx_merge
	if r.merge {
		if g = newMerge(r, 0); g == nil {
			// ready has been sent; run without the merge.
			r.cfg.Logf("dpdk: out of DPDK memory for the replay merge; reading the ports in turns")
		} else {
			defer C.rte_free(unsafe.Pointer(g))
		}
	}
	spins := 0
	for !d.stop.Load() {
		got := 0
		if g != nil {
			n := int(C.mx_merge_rx(C.uintptr_t(uintptr(unsafe.Pointer(g))), in))
			if n > 0 {
				got = n
				d.fan(n, -1)
			}
		} else {
			for i, p := range r.ports {
				n := int(C.mx_rx(in, C.uint16_t(p.id), 0, C.uint16_t(i), 1))
				if n == 0 {
					continue
				}
				got += n
				d.fan(n, i)
			}
		}
		if got > 0 || r.cfg.BusyPoll {
			spins = 0
		} else if spins++; spins > idleSpins {
			time.Sleep(idleSleep)
		}
	}
	if g != nil {
		dropHeld(g, r.stats[0])
	}
}

// fan hands the n described frames in f.mbufs to the workers' rings: all
// from port (or each from its own port, when port < 0). In a replay it
// waits for room (back-pressure) until told to stop; otherwise what does
// not fit is freed and counted as missed.
func (d *dispatcher) fan(n, port int) {
	r, f := d.r, d.f
	np := len(r.ports)
	cores := uint(r.cores)
	now := int64(f.in.now)
	for k := range n {
		desc := &f.in.desc[k]
		in := port
		if in < 0 {
			in = int(desc.port)
		}
		d.pkt.Reset(unsafe.Slice((*byte)(unsafe.Pointer(desc.data)), int(desc.len)), maestro.Port(in), packetTime(desc, r.tsUnit, now))
		c := uint(r.cfg.Dispatch(&d.pkt)) % cores
		j := f.counts[c]
		f.groups[c][j] = f.in.mbufs[k]
		f.counts[c] = j + 1
	}
	if r.replay {
		for tries := 0; C.mx_dispatch_keep(f, C.uint16_t(cores)) > 0; tries++ {
			if d.stop.Load() {
				break
			}
			if tries > idleSpins {
				time.Sleep(idleSleep)
			}
		}
	}
	if lost := C.mx_dispatch(f, C.uint16_t(cores), C.uint16_t(np)); lost > 0 {
		for c := range int(cores) {
			for p := range np {
				if l := &f.lost[c*np+p]; *l > 0 {
					r.stats[c].ports[p].missed.Add(uint64(*l))
					*l = 0
				}
			}
		}
	}
	r.poller.lastRx.Store(now)
}
