package main

import (
	"context"

	"golang.org/x/sys/unix"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
)

// sample is one timed measurement of one processor.
type sample struct {
	// packets per core over all passes.
	packets []int64
	// busy per core: the time the core spent in its timed loops.
	busy []time.Duration
	// cpu per core: the CPU time the core's thread was given during its
	// timed loops. Unlike busy it excludes time the OS ran someone else on
	// that CPU, which on a shared VM is most of the noise; it also excludes
	// time spent blocked (a parked mutex waiter), so it flatters blocking
	// variants.
	cpu []time.Duration
	// wall is the sum over passes of (last core done - first core started).
	wall    time.Duration
	mallocs uint64
	passes  int
	// truncated: some core hit runOpts.limit before the end of its packets.
	truncated bool
}

// total returns the packets processed by all cores.
func (s *sample) total() int64 {
	var n int64
	for _, p := range s.packets {
		n += p
	}
	return n
}

// totalMpps is the aggregate rate: all packets over the wall time, so a core
// that got more than its share (RSS imbalance) counts against it, as on a
// real NIC.
func (s *sample) totalMpps() float64 { return float64(s.total()) / s.wall.Seconds() / 1e6 }

// perCoreMpps is the mean over cores of each core's own rate per second of
// CPU time it was given (per second of its timed loops when the thread CPU
// clock is unavailable).
func (s *sample) perCoreMpps() float64 {
	sum, n := 0.0, 0
	for c, p := range s.packets {
		t := s.cpu[c]
		if t <= 0 {
			t = s.busy[c]
		}
		if p > 0 && t > 0 {
			sum += float64(p) / t.Seconds() / 1e6
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// allocsPerPacket is the heap allocations made during the timed passes
// divided by the packets processed.
func (s *sample) allocsPerPacket() float64 {
	if s.total() == 0 {
		return 0
	}
	return float64(s.mallocs) / float64(s.total())
}

// spinBarrier releases its n callers together. Workers spin rather than
// block so that they start their timed loops within nanoseconds of each
// other, not a scheduler wake-up apart.
type spinBarrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Int32
}

func (b *spinBarrier) wait() {
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.gen.Add(1)
		return
	}
	for i := 0; b.gen.Load() == g; i++ {
		if i%1024 == 1023 {
			// A descheduled peer (a loaded VM) must get a chance to run.
			runtime.Gosched()
		}
	}
}

// runOpts are the measurement settings.
type runOpts struct {
	pin      bool
	duration time.Duration // minimum timed duration; passes repeat until reached
	limit    time.Duration // a core stops a pass after this long (0: never)
	labels   []string      // pprof labels for the workers (key, value, ...)
}

// measure warms proc up on each core's warm packets, then times its timed
// packets: one worker goroutine per core, locked to its OS thread (and
// pinned to a CPU with opts.pin), all released together by a spin barrier,
// calling ProcessBurst on bursts of nic.BurstSize. Passes repeat, each
// restoring the frames and continuing the clock, until opts.duration has
// been spent in them (one pass when it is 0). Packets are stamped with the
// clock as they are processed (see stamp). Heap allocations are counted
// over the timed passes only.
func measure(proc nic.Processor, cts []coreTrace, opts runOpts) *sample {
	cores := len(cts)
	s := &sample{packets: make([]int64, cores), busy: make([]time.Duration, cores), cpu: make([]time.Duration, cores)}
	starts := make([]time.Time, cores)
	ends := make([]time.Time, cores)
	cmd := make([]chan int, cores)
	for c := range cmd {
		cmd[c] = make(chan int, 1)
	}
	var warmed, passDone, exited sync.WaitGroup
	warmed.Add(cores)
	exited.Add(cores)
	// Cores warm up one after another, each on its own thread: the state
	// ends up where it will be used, and a processor that serialises cores
	// (the global mutex) does not pay for contention before timing starts.
	turn := make([]chan struct{}, cores+1)
	for c := range turn {
		turn[c] = make(chan struct{})
	}
	close(turn[0])
	bar := &spinBarrier{n: int32(cores)}
	for c := range cores {
		go func(core int) {
			defer exited.Done()
			if opts.pin {
				_ = nic.PinThread(core) // it locks the thread even if pinning fails
			} else {
				runtime.LockOSThread()
			}
			// The worker ends locked, so the runtime retires its thread with
			// its narrowed affinity instead of reusing it.
			if len(opts.labels) > 0 {
				l := append(opts.labels[:len(opts.labels):len(opts.labels)], "core", strconv.Itoa(core))
				pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(l...)))
			}
			verdicts := make([]maestro.Verdict, nic.BurstSize)
			ct := &cts[core]
			<-turn[core]
			bursts(proc, core, ct.warm, verdicts)
			close(turn[core+1])
			warmed.Done()
			for pass := range cmd[core] {
				if pass > 0 {
					ct.rewind()
				}
				bar.wait()
				c0 := threadCPU()
				t0 := time.Now()
				n := len(ct.timed)
				if opts.limit > 0 {
					n = burstsUntil(proc, core, ct.timed, verdicts, t0.Add(opts.limit))
				} else {
					bursts(proc, core, ct.timed, verdicts)
				}
				t1 := time.Now()
				s.cpu[core] += threadCPU() - c0
				starts[core], ends[core] = t0, t1
				s.busy[core] += t1.Sub(t0)
				s.packets[core] += int64(n)
				passDone.Done()
			}
		}(c)
	}
	warmed.Wait()
	// Collect the warm-up's garbage now rather than during the timed passes.
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for pass := 0; ; pass++ {
		passDone.Add(cores)
		for c := range cmd {
			cmd[c] <- pass
		}
		passDone.Wait()
		first, last := starts[0], ends[0]
		for c := 1; c < cores; c++ {
			if starts[c].Before(first) {
				first = starts[c]
			}
			if ends[c].After(last) {
				last = ends[c]
			}
		}
		s.wall += last.Sub(first)
		s.passes++
		if s.wall >= opts.duration {
			break
		}
	}
	runtime.ReadMemStats(&m1)
	for c := range cmd {
		close(cmd[c])
	}
	exited.Wait()
	s.mallocs = m1.Mallocs - m0.Mallocs
	for c := range cts {
		if s.packets[c] < int64(s.passes*len(cts[c].timed)) {
			s.truncated = true
		}
	}
	return s
}

// clockBase anchors the packet clock; see stamp.
var clockBase = time.Now()

// stamp sets the arrival time of a burst to now, as a poll loop stamps
// what it has just received. The trace's own timestamps cannot be used:
// each core replays its share as fast as it can, so with shared state
// (locks, baselines) the cores' trace clocks would drift apart by
// milliseconds, and containers that keep entries in time order would pay
// for refreshes arriving far out of order, a cost no real NIC imposes.
// One clock read per burst costs under a nanosecond per packet.
func stamp(pkts []maestro.Packet) {
	now := int64(time.Since(clockBase)) + 1e9
	for i := range pkts {
		pkts[i].Time = now
	}
}

// bursts runs proc over pkts in bursts of nic.BurstSize, as a poll loop
// would after each receive.
func bursts(proc nic.Processor, core int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	for off := 0; off < len(pkts); off += nic.BurstSize {
		end := min(off+nic.BurstSize, len(pkts))
		stamp(pkts[off:end])
		proc.ProcessBurst(core, pkts[off:end], verdicts)
	}
}

// burstsUntil is bursts with a deadline, checked every 64 bursts (a clock
// read per 2048 packets costs nothing measurable). It returns the number of
// packets processed. The deadline keeps a pathologically slow variant (the
// global mutex across pinned threads) from holding the machine for minutes.
func burstsUntil(proc nic.Processor, core int, pkts []maestro.Packet, verdicts []maestro.Verdict, deadline time.Time) int {
	off := 0
	for n := 0; off < len(pkts); n++ {
		if n%64 == 63 && time.Now().After(deadline) {
			break
		}
		end := min(off+nic.BurstSize, len(pkts))
		stamp(pkts[off:end])
		proc.ProcessBurst(core, pkts[off:end], verdicts)
		off = end
	}
	return off
}

// threadCPU returns the calling thread's CPU time (0 if unavailable). The
// worker is locked to its thread, so this is the worker's CPU time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
