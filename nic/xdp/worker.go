//go:build linux

package xdp

import (
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
)

// handoffBursts is how many bursts each worker may have in flight to other
// workers. When they are all in flight, the worker processes the bursts
// handed to it while it waits for one of its own to come back: two workers
// waiting on each other still make progress.
const handoffBursts = 32

// spins is how many empty polls a worker makes before it sleeps in poll(2).
const spins = 1024

// handoff is a burst of frames copied out of one worker's sockets for
// another worker.
type handoff struct {
	owner *worker
	n     int
	pkts  [nic.BurstSize]maestro.Packet
	in    [nic.BurstSize]int
	bufs  [nic.BurstSize][frameSize]byte
}

// worker is one pinned poll loop.
type worker struct {
	id      int
	r       *runner
	own     []*socket
	pollfds []unix.PollFd

	in   chan *handoff // bursts for this worker
	pool chan *handoff // this worker's free handoff bursts
	out  []*handoff    // bursts being filled, per destination worker
	wake chan struct{}
	// efd is an eventfd in pollfds that other workers write to when they
	// hand this worker a burst while it sleeps in poll(2).
	efd      int
	sleeping atomic.Bool

	// The burst being processed, in place in the UMEM or from a handoff.
	pkts     [nic.BurstSize]maestro.Packet
	verdicts [nic.BurstSize]maestro.Verdict
	inPort   [nic.BurstSize]int
	addrs    [nic.BurstSize]uint64 // rx frames to refill
	sel      [nic.BurstSize]int    // scratch: packets going out of one port

	// Counters, written by this worker only: per port rx, tx, dropped,
	// missed; local accumulates a burst's before one atomic add each.
	cnt     []atomic.Uint64
	local   []uint64
	rx, bad atomic.Uint64
	_       [64]byte
}

func newWorker(r *runner, id int) (*worker, error) {
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	w := &worker{
		efd: efd, pollfds: []unix.PollFd{{Fd: int32(efd), Events: unix.POLLIN}},
		id: id, r: r,
		in:    make(chan *handoff, handoffBursts*r.cores),
		pool:  make(chan *handoff, handoffBursts),
		out:   make([]*handoff, r.cores),
		wake:  make(chan struct{}, 1),
		cnt:   make([]atomic.Uint64, 4*r.ports),
		local: make([]uint64, 4*r.ports),
	}
	if r.cores > 1 {
		for range handoffBursts {
			w.pool <- &handoff{owner: w}
		}
	}
	return w, nil
}

// loop polls the worker's sockets and handoffs until the run stops.
func (w *worker) loop() {
	idle := 0
	for !w.r.stop.Load() {
		busy := false
		for _, s := range w.own {
			if w.receive(s) {
				busy = true
			}
		}
		w.flush()
		for drained := 0; drained < 2*w.r.cores; drained++ {
			select {
			case h := <-w.in:
				w.processHandoff(h)
				busy = true
				continue
			default:
			}
			break
		}
		if busy {
			idle = 0
			continue
		}
		if idle++; idle < spins {
			continue
		}
		w.sleep()
	}
}

// sleep waits for a frame on one of the worker's sockets, for a handoff, or
// for the end of the run: poll(2) with a short timeout when the worker owns
// sockets (handoffs then wait at most that long), else the channel.
func (w *worker) sleep() {
	if len(w.own) == 0 {
		select {
		case h := <-w.in:
			w.processHandoff(h)
		case <-w.wake:
		}
		return
	}
	for i := range w.pollfds {
		w.pollfds[i].Revents = 0
	}
	w.sleeping.Store(true)
	if len(w.in) == 0 && !w.r.stop.Load() {
		unix.Poll(w.pollfds, 10)
	}
	w.sleeping.Store(false)
	if w.pollfds[0].Revents != 0 {
		var b [8]byte
		unix.Read(w.efd, b[:])
	}
}

// post hands burst h to worker q, waking it if it sleeps.
func (w *worker) post(q int, h *handoff) {
	d := w.r.workers[q]
	d.in <- h
	if d.sleeping.Load() {
		d.notify()
	}
}

// notify wakes the worker from poll(2).
func (w *worker) notify() {
	one := [8]byte{1}
	unix.Write(w.efd, one[:])
}

// receive takes one burst from s: frames steered to this worker are
// processed in place, the others copied to their worker's handoff.
func (w *worker) receive(s *socket) bool {
	n := min(s.rx.available(), nic.BurstSize)
	if n == 0 {
		return false
	}
	now := time.Now().UnixNano()
	k := 0
	for i := range n {
		d := s.rx.xdesc(s.rx.cached + i)
		w.addrs[i] = d.Addr
		data := s.frame(d)
		q := int(s.worker(d))
		if q >= w.r.cores {
			q = 0
		}
		if q == w.id {
			nic.View(&w.pkts[k], data, maestro.Port(s.port), now, w.r.raw)
			w.inPort[k] = s.port
			k++
			continue
		}
		w.handOff(q, s.port, data, now)
	}
	addrs := w.addrs[:n]
	// The descriptors are copied out; the frames stay ours until refilled.
	s.rx.release(n)
	if k > 0 {
		w.process(w.pkts[:k], w.inPort[:k])
	}
	s.refill(addrs)
	return true
}

// handOff copies a frame into the burst for worker q.
func (w *worker) handOff(q, port int, data []byte, now int64) {
	h := w.out[q]
	if h == nil {
		h = w.freeHandoff()
		if h == nil {
			w.cnt[4*port+3].Add(1) // the run is stopping
			return
		}
		h.n = 0
		w.out[q] = h
	}
	i := h.n
	buf := h.bufs[i][:len(data)]
	copy(buf, data)
	nic.View(&h.pkts[i], buf, maestro.Port(port), now, w.r.raw)
	h.in[i] = port
	h.n++
	if h.n == nic.BurstSize {
		w.post(q, h)
		w.out[q] = nil
	}
}

// freeHandoff returns one of the worker's free handoff bursts, processing
// the bursts handed to it while none is free. It returns nil if the run
// stops meanwhile.
func (w *worker) freeHandoff() *handoff {
	for {
		select {
		case h := <-w.pool:
			return h
		default:
		}
		select {
		case h := <-w.pool:
			return h
		case in := <-w.in:
			w.processHandoff(in)
		case <-w.wake:
			if w.r.stop.Load() {
				return nil
			}
		}
	}
}

// flush sends the partly filled handoff bursts.
func (w *worker) flush() {
	for q, h := range w.out {
		if h != nil {
			w.post(q, h)
			w.out[q] = nil
		}
	}
}

// processHandoff runs the NF on a burst another worker received for us.
func (w *worker) processHandoff(h *handoff) {
	w.process(h.pkts[:h.n], h.in[:h.n])
	h.owner.pool <- h
}

// process runs the NF on pkts (received on ports inPort), counts the
// verdicts and transmits. It may run while a receive has filled w.pkts
// (processing a handoff while waiting for a free one), so it uses only
// w.verdicts and w.sel of the worker's scratch.
func (w *worker) process(pkts []maestro.Packet, inPort []int) {
	n := len(pkts)
	verdicts := w.verdicts[:n]
	w.r.proc.ProcessBurst(w.id, pkts, verdicts)
	ports := w.r.ports
	var bad uint64
	loc := w.local
	clear(loc)
	for i := range n {
		in := inPort[i]
		loc[4*in]++
		switch v := verdicts[i]; {
		case v == maestro.Drop:
			loc[4*in+2]++
		case v == maestro.Flood || v >= 0 && int(v) < ports:
		default:
			loc[4*in+2]++
			bad++
			verdicts[i] = maestro.Drop
		}
	}
	for i, v := range loc {
		if v != 0 {
			w.cnt[i].Add(v)
		}
	}
	w.rx.Add(uint64(n))
	if bad != 0 {
		w.bad.Add(bad)
	}
	for o := range ports {
		k := 0
		for i := range n {
			v := verdicts[i]
			if int(v) == o && v != maestro.Drop || v == maestro.Flood && inPort[i] != o {
				w.sel[k] = i
				k++
			}
		}
		if k > 0 {
			w.transmit(o, pkts, w.sel[:k])
		}
	}
}

// transmit sends the selected packets out of port o, through the port's
// socket for this worker, under its tx lock (once per burst).
func (w *worker) transmit(o int, pkts []maestro.Packet, sel []int) {
	socks := w.r.tx[o]
	s := socks[w.id%len(socks)]
	s.txMu.Lock()
	s.reap()
	k := uint32(0)
	var sent, missed uint64
	for _, i := range sel {
		data := pkts[i].Data
		if len(s.txFree) == 0 {
			s.tx.submit(k)
			k = 0
			s.kick()
			s.reap()
			if len(s.txFree) == 0 {
				missed++
				continue
			}
		}
		a := s.txFree[len(s.txFree)-1]
		s.txFree = s.txFree[:len(s.txFree)-1]
		copy(s.umem[a:a+frameSize], data)
		*s.tx.xdesc(s.tx.cached + k) = unix.XDPDesc{Addr: a, Len: uint32(len(data))}
		k++
		sent++
		if w.r.sink != nil {
			w.r.write(o, pkts[i].Time, data)
		}
	}
	s.tx.submit(k)
	s.kick()
	s.txMu.Unlock()
	w.cnt[4*o+1].Add(sent)
	if missed != 0 {
		w.cnt[4*o+3].Add(missed)
	}
}
