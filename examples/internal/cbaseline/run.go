package cbaseline

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	fw "github.com/nfmaestro/maestro/examples/fwbasic"
	"github.com/nfmaestro/maestro/maestro"
)

// Impls are the Go implementations RunGo runs: examples/fwbasic's FW (the
// paper's bare 5-tuple firewall, what fw.c implements; examples/fw is the
// strict one, with ICMP and fragment rules C does not have) one packet
// at a time ("go"), its generated shared-nothing FWParallel on one core,
// bursts of 32 packets through ProcessBurst, which prefetches each burst's
// table slots before processing it ("go-burst"), and IdiomaticFW.
var Impls = []string{"go", "go-burst", "idiomatic"}

// burstSize is how many packets go-burst hands ProcessBurst at once, as a
// backend's receive burst.
const burstSize = 32

// Result is what one run of a FW over a trace reports.
type Result struct {
	Packets, Passed int
	// CPUNs is the process CPU time of the processing loop alone.
	CPUNs int64
	// StateBytes is the heap the FW's state holds after the run (live
	// heap after a GC, less the live heap before the FW was built).
	StateBytes int64
	// PeakRSSKB is the process's peak resident set (VmHWM) after the
	// run, in KiB; -1 if unknown.
	PeakRSSKB int64
}

// String formats r as the C program's result line.
func (r Result) String() string {
	return fmt.Sprintf("packets=%d passed=%d cpu_ns=%d state_bytes=%d peak_rss_kb=%d", r.Packets, r.Passed, r.CPUNs, r.StateBytes, r.PeakRSSKB)
}

// cpuNs returns the process's user and system CPU time (getrusage, as fw.c
// reads it).
func cpuNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// peakRSSKB returns VmHWM, this process's peak resident set in KiB, or -1.
// (ru_maxrss would include the parent's resident set at the fork.)
func peakRSSKB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb
		}
	}
	return -1
}

func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// RunGo runs implementation impl (one of Impls) with capacity flows and
// timeout over pkts, timing only the loop as fw.c does. If verdicts is not
// nil it receives each packet's verdict.
func RunGo(impl string, pkts []Packet, capacity int, timeout time.Duration, verdicts []maestro.Verdict) (Result, error) {
	r := Result{Packets: len(pkts)}
	h0 := liveHeap()
	var t0, t1 int64
	// Each case spells its loop out: a shared loop over an interface or a
	// generic NF would call Process indirectly, and the timed loop must be
	// what a Go programmer's own loop over the concrete NF compiles to, as
	// fw.c's is.
	switch impl {
	case "go":
		nf := fw.New(fw.Config{Capacity: capacity, Timeout: timeout})
		var p maestro.Packet
		t0 = cpuNs()
		for i := range pkts {
			p.Reset(pkts[i].Frame, pkts[i].Port, pkts[i].Time)
			v := nf.Process(&p)
			if !v.IsDrop() {
				r.Passed++
			}
			if verdicts != nil {
				verdicts[i] = v
			}
		}
		t1 = cpuNs()
		r.StateBytes = liveHeap() - h0
		runtime.KeepAlive(nf)
		runtime.KeepAlive(pkts) // the trace counts in both heap samples
	case "go-burst":
		nf, err := fw.NewParallelFull(fw.Config{Capacity: capacity, Timeout: timeout}, 1)
		if err != nil {
			return r, err
		}
		burst := make([]maestro.Packet, burstSize)
		out := make([]maestro.Verdict, burstSize)
		t0 = cpuNs()
		for i := 0; i < len(pkts); i += burstSize {
			n := min(burstSize, len(pkts)-i)
			for j := range n {
				burst[j].Reset(pkts[i+j].Frame, pkts[i+j].Port, pkts[i+j].Time)
			}
			nf.ProcessBurst(0, burst[:n], out)
			for j, v := range out[:n] {
				if !v.IsDrop() {
					r.Passed++
				}
				if verdicts != nil {
					verdicts[i+j] = v
				}
			}
		}
		t1 = cpuNs()
		r.StateBytes = liveHeap() - h0
		runtime.KeepAlive(nf)
		runtime.KeepAlive(pkts)
	case "idiomatic":
		nf := NewIdiomaticFW(capacity, int64(timeout))
		var p maestro.Packet
		t0 = cpuNs()
		for i := range pkts {
			p.Reset(pkts[i].Frame, pkts[i].Port, pkts[i].Time)
			v := nf.Process(&p)
			if !v.IsDrop() {
				r.Passed++
			}
			if verdicts != nil {
				verdicts[i] = v
			}
		}
		t1 = cpuNs()
		r.StateBytes = liveHeap() - h0
		runtime.KeepAlive(nf)
		runtime.KeepAlive(pkts) // the trace counts in both heap samples
	default:
		return r, fmt.Errorf("unknown implementation %q (have %v)", impl, Impls)
	}
	r.CPUNs = t1 - t0
	r.PeakRSSKB = peakRSSKB()
	return r, nil
}
