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
// writes them (the dispatcher writes missed), once per burst.
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

// worker is one core's poll loop.
type worker struct {
	r     *run
	core  int
	cpu   int
	stop  *atomic.Bool
	st    *workerStats
	ring  *C.struct_rte_ring // software dispatch mode only
	b     *C.struct_mx_burst
	proc  nic.Processor
	np    int
	busy  bool
	spins int

	pkts     [nic.BurstSize]maestro.Packet
	verdicts [nic.BurstSize]maestro.Verdict
	in       [nic.BurstSize]uint16
	rx       [MaxPorts]uint64
	dropped  [MaxPorts]uint64
	refused  [MaxPorts]uint64
	// seen[k] is the burst slot of pkts[k] when frames were refused.
	seen [nic.BurstSize]int
	// all holds every slot's verdict when frames were refused.
	all [nic.BurstSize]maestro.Verdict
}

func (r *run) newWorker(core int, stop *atomic.Bool) *worker {
	w := &worker{
		r: r, core: core, cpu: r.cpus[core%len(r.cpus)], stop: stop, st: r.stats[core],
		proc: r.proc, np: len(r.ports), busy: r.cfg.BusyPoll,
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
	defer C.mx_big_free(&w.b.big)
	w.b.big_pool = w.r.big
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
		return
	}
	ready <- nil
	if w.ring != nil {
		w.pollRing()
	} else {
		w.pollPorts()
	}
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
	b := w.b
	for !w.stop.Load() {
		n := int(C.mx_merge_rx(g, &b.mbufs[0], C.MX_BURST, &b.desc[0], &b.big))
		if n > 0 {
			w.burst(n)
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

// pollPorts receives from this worker's queue on every port in turn.
func (w *worker) pollPorts() {
	b := w.b
	queue := C.uint16_t(w.core)
	for !w.stop.Load() {
		got := 0
		for i, p := range w.r.ports {
			n := int(C.mx_rx(C.uint16_t(p.id), queue, C.uint16_t(i), &b.mbufs[0], C.MX_BURST, &b.desc[0], &b.big))
			if n > 0 {
				w.burst(n)
				got += n
			}
		}
		w.idle(got)
	}
}

// pollRing receives from the software dispatcher. It stops only when told
// to and the ring is empty: the dispatcher has stopped first, so nothing
// is left behind.
func (w *worker) pollRing() {
	b := w.b
	for {
		n := int(C.mx_ring_rx(w.ring, &b.mbufs[0], C.MX_BURST, &b.desc[0], &b.big))
		if n > 0 {
			w.burst(n)
		} else if w.stop.Load() {
			return
		}
		w.idle(n)
	}
}

func (w *worker) idle(got int) {
	if got > 0 || w.busy {
		w.spins = 0
		return
	}
	w.spins++
	if w.spins > idleSpins {
		time.Sleep(idleSleep)
	}
}

// burst runs the NF over the n received mbufs and applies the verdicts.
// Frames the C side refused (longer than MaxFrame) are not shown to the NF:
// they are counted and freed.
func (w *worker) burst(n int) {
	b := w.b
	now := time.Now().UnixNano()
	unit := w.r.tsUnit
	k, copied := 0, false
	for i := range n {
		d := &b.desc[i]
		in := uint16(d.port)
		w.in[i] = in
		if d.flags&(C.MX_DESC_REFUSED|C.MX_DESC_COPY) != 0 {
			if d.flags&C.MX_DESC_REFUSED != 0 {
				w.refused[in]++
				continue
			}
			copied = true
		}
		w.rx[in]++
		w.seen[k] = i
		w.pkts[k].Reset(unsafe.Slice((*byte)(unsafe.Pointer(d.data)), int(d.len)), maestro.Port(in), packetTime(d, unit, now))
		k++
	}
	w.proc.ProcessBurst(w.core, w.pkts[:k], w.verdicts[:k])
	verdicts := w.verdicts[:n]
	if k < n {
		for i := range w.all[:n] {
			w.all[i] = maestro.Drop
		}
		for j, v := range w.verdicts[:k] {
			w.all[w.seen[j]] = v
		}
		verdicts = w.all[:n]
	}
	if copied {
		C.mx_writeback(&b.mbufs[0], &b.desc[0], C.uint16_t(n))
	}

	np := w.np
	for p := range np {
		b.counts[p] = 0
	}
	nflood, ndrop := 0, 0
	for i := range n {
		m := b.mbufs[i]
		v := verdicts[i]
		if v >= 0 && int(v) < np {
			k := b.counts[v]
			b.outs[v][k] = m
			b.counts[v] = k + 1
			continue
		}
		if v == maestro.Flood && np > 1 {
			in := int(w.in[i])
			for p := range np {
				if p != in {
					k := b.counts[p]
					b.outs[p][k] = m
					b.counts[p] = k + 1
				}
			}
			b.floods[nflood] = m
			nflood++
			continue
		}
		// Drop, a flood with nowhere to go, a port that does not exist,
		// or a refused frame.
		b.drops[ndrop] = m
		ndrop++
		if b.desc[i].flags&C.MX_DESC_REFUSED == 0 {
			w.dropped[w.in[i]]++
		}
	}
	C.mx_apply(b, C.uint16_t(np), C.uint16_t(nflood), C.uint16_t(max(np-2, 0)), C.uint16_t(ndrop))

	st := w.st
	for p := range np {
		q := &st.ports[p]
		if c := w.rx[p]; c > 0 {
			q.rx.Add(c)
			w.rx[p] = 0
		}
		if c := w.dropped[p]; c > 0 {
			q.dropped.Add(c)
			w.dropped[p] = 0
		}
		if c := w.refused[p]; c > 0 {
			q.refused.Add(c)
			w.refused[p] = 0
		}
		if c := b.tx_refused[p]; c > 0 {
			q.txFailed.Add(uint64(c))
			b.tx_refused[p] = 0
		}
		if c := b.counts[p]; c > 0 {
			s := b.sent[p]
			q.tx.Add(uint64(s))
			if s < c {
				q.txFailed.Add(uint64(c - s))
			}
		}
	}
	st.lastRx.Store(now)
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
	defer C.mx_big_free(&d.f.big)
	copy(d.f.rings[:], r.rings)
	ready <- nil

	f := d.f
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
			n := int(C.mx_merge_rx(g, &f.mbufs[0], C.MX_BURST, &f.desc[0], &f.big))
			if n > 0 {
				got = n
				d.fan(n, -1)
			}
		} else {
			for i, p := range r.ports {
				n := int(C.mx_rx(C.uint16_t(p.id), 0, C.uint16_t(i), &f.mbufs[0], C.MX_BURST, &f.desc[0], &f.big))
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
	now := time.Now().UnixNano()
	for k := range n {
		desc := &f.desc[k]
		in := port
		if in < 0 {
			in = int(desc.port)
		}
		d.pkt.Reset(unsafe.Slice((*byte)(unsafe.Pointer(desc.data)), int(desc.len)), maestro.Port(in), packetTime(desc, r.tsUnit, now))
		c := uint(r.cfg.Dispatch(&d.pkt)) % cores
		j := f.counts[c]
		f.groups[c][j] = f.mbufs[k]
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
