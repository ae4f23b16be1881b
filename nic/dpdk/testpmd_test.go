//go:build dpdk

package dpdk

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	pairPackets = flag.Uint64("dpdk.pairpkts", 30_000_000, "BenchmarkNOPvsTestpmd: packets the NOP forwards per pair")
	pairTestpmd = flag.Duration("dpdk.testpmdtime", 3*time.Second, "BenchmarkNOPvsTestpmd: how long testpmd forwards per pair")
)

// testpmdResult is one dpdk-testpmd run in io forward mode.
type testpmdResult struct {
	packets uint64 // received on both ports (each forwarded once)
	cpu     int64  // the forwarding lcore's CPU time, in nanoseconds
	wall    time.Duration
}

func (r testpmdResult) cpuPerPacket() float64 { return float64(r.cpu) / float64(r.packets) }

// runTestpmd runs dpdk-testpmd in io forward mode on two net_null ports,
// as BenchmarkNullNOP's EAL has them, for about d, and measures what its
// forwarding lcore spent per packet. testpmd is driven through its
// command line on stdin (start, stop, quit): after stop its forwarding
// lcore has returned and is idle, so the CPU time of that thread
// (/proc/<pid>/task/<tid>/schedstat, in nanoseconds) covers exactly the
// packets of the forward statistics it prints. The forwarding lcore runs
// on CPU 0, where the benchmark's worker runs.
func runTestpmd(d time.Duration) (testpmdResult, error) {
	bin, err := exec.LookPath("dpdk-testpmd")
	if err != nil {
		return testpmdResult{}, err
	}
	stdbuf, err := exec.LookPath("stdbuf")
	if err != nil {
		return testpmdResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+time.Minute)
	defer cancel()
	// testpmd prints its answers with stdio, which a pipe would buffer
	// until it exits: stdbuf makes its stdout line-buffered.
	cmd := exec.CommandContext(ctx, stdbuf, "-oL", bin, "--no-huge", "-m", "512", "--no-pci", "--lcores=0@1,1@0", "--no-shconf",
		fmt.Sprintf("--file-prefix=mxtestpmd%d", os.Getpid()), "--log-level=*:warning", "--no-telemetry",
		"--vdev=net_null0", "--vdev=net_null1",
		"--", "-i", "--total-num-mbufs=16384", "--forward-mode=io")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return testpmdResult{}, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return testpmdResult{}, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return testpmdResult{}, err
	}
	defer cmd.Wait()
	defer stdin.Close()
	var log strings.Builder
	lines := bufio.NewScanner(out)
	// await reads lines up to the first containing s and returns it.
	await := func(s string) (string, error) {
		for lines.Scan() {
			l := lines.Text()
			log.WriteString(l + "\n")
			if strings.Contains(l, s) {
				return l, nil
			}
		}
		return "", fmt.Errorf("dpdk-testpmd ended before printing %q:\n%s", s, log.String())
	}
	if _, err := io.WriteString(stdin, "start\n"); err != nil {
		return testpmdResult{}, err
	}
	if _, err := await("io packet forwarding - ports=2"); err != nil {
		return testpmdResult{}, err
	}
	start := time.Now()
	time.Sleep(d)
	if _, err := io.WriteString(stdin, "stop\n"); err != nil {
		return testpmdResult{}, err
	}
	if _, err := await("Accumulated forward statistics for all ports"); err != nil {
		return testpmdResult{}, err
	}
	l, err := await("RX-packets:")
	if err != nil {
		return testpmdResult{}, err
	}
	wall := time.Since(start)
	f := strings.Fields(l)
	if len(f) < 2 {
		return testpmdResult{}, fmt.Errorf("dpdk-testpmd: cannot read %q", l)
	}
	pkts, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil || pkts == 0 {
		return testpmdResult{}, fmt.Errorf("dpdk-testpmd: cannot read %q (%v)", l, err)
	}
	cpu, err := threadCPUByName(cmd.Process.Pid, "rte-worker-1")
	if err != nil {
		return testpmdResult{}, err
	}
	if _, err := io.WriteString(stdin, "quit\n"); err != nil {
		return testpmdResult{}, err
	}
	if _, err := io.Copy(io.Discard, out); err != nil {
		return testpmdResult{}, err
	}
	return testpmdResult{packets: pkts, cpu: cpu, wall: wall}, nil
}

// threadCPUByName returns the CPU time in nanoseconds of the thread named
// name in process pid.
func threadCPUByName(pid int, name string) (int64, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil {
		return 0, err
	}
	for _, t := range tasks {
		comm, err := os.ReadFile(filepath.Join(t, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != name {
			continue
		}
		st, err := os.ReadFile(filepath.Join(t, "schedstat"))
		if err != nil {
			return 0, err
		}
		f := strings.Fields(string(st))
		if len(f) == 0 {
			return 0, fmt.Errorf("%s/schedstat: empty", t)
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("process %d has no thread %q", pid, name)
}

// runNOP runs countingNOP on one worker over BenchmarkNullNOP's net_null
// ports until it has forwarded pkts packets, and returns its worker's CPU
// time per packet and the wall time per packet of the whole run. With
// parse, the NOP asks for parsed packets.
func runNOP(b *testing.B, pkts uint64, parse bool) (cpu, wall float64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	proc := &countingNOP{cores: 1, target: pkts, parse: parse, cancel: cancel, n: make([]paddedCount, 1)}
	start := time.Now()
	res, err := Run(ctx, Config{Cores: 1, BusyPoll: true, Logf: func(string, ...any) {}}, proc, nil)
	elapsed := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if ctx.Err() == context.DeadlineExceeded {
		b.Fatal("the NOP run did not reach its packet count")
	}
	if res.Stats.Pool.InUse != 0 {
		b.Fatalf("mbufs in use after the run: %+v", res.Stats.Pool)
	}
	return proc.cpuPerPacket(), float64(elapsed.Nanoseconds()) / float64(res.Stats.Total.RX)
}

// BenchmarkNOPvsTestpmd compares the NOP on one worker with dpdk-testpmd in
// io forward mode, on the same two net_null ports, in alternating pairs:
// one op is one pair (the NOP forwards -dpdk.pairpkts packets, then
// testpmd forwards for -dpdk.testpmdtime). The cost per packet is the
// forwarding thread's CPU time per packet, which the other processes on a
// shared machine disturb less than wall time. It reports the medians over
// the pairs and the median of the pairs' ratios (NOP/testpmd); each pair
// is logged. Each pair also runs the NOP asking for parsed packets
// (nop-parse-ns/pkt, ratio-parse): the NOP reads no header, so, like the
// generated NOP, it is normally handed unparsed ones (nic.HeaderReader),
// and the parsing run shows the floor of an NF that reads headers. Run it with, e.g., -benchtime 7x for seven pairs. It needs
// dpdk-testpmd (Debian package dpdk-dev) on PATH.
func BenchmarkNOPvsTestpmd(b *testing.B) {
	if _, err := exec.LookPath("dpdk-testpmd"); err != nil {
		b.Skip("dpdk-testpmd is not installed (Debian package dpdk-dev):", err)
	}
	benchEAL(b)
	var nop, parsed, tp, ratio, ratioParsed []float64
	for i := range b.N {
		cpu, wall := runNOP(b, *pairPackets, false)
		cpuParsed, _ := runNOP(b, *pairPackets, true)
		r, err := runTestpmd(*pairTestpmd)
		if err != nil {
			b.Fatal(err)
		}
		nop = append(nop, cpu)
		parsed = append(parsed, cpuParsed)
		tp = append(tp, r.cpuPerPacket())
		ratio = append(ratio, cpu/r.cpuPerPacket())
		ratioParsed = append(ratioParsed, cpuParsed/r.cpuPerPacket())
		b.Logf("pair %d: NOP %.2f ns CPU/pkt (%.2f wall), parsing %.2f, testpmd %.2f ns CPU/pkt (%d pkts, %.2f wall), ratio %.3f (parsing %.3f)",
			i, cpu, wall, cpuParsed, r.cpuPerPacket(), r.packets, float64(r.wall.Nanoseconds())/float64(r.packets), ratio[i], ratioParsed[i])
	}
	b.ReportMetric(median(nop), "nop-ns/pkt")
	b.ReportMetric(median(parsed), "nop-parse-ns/pkt")
	b.ReportMetric(median(tp), "testpmd-ns/pkt")
	b.ReportMetric(median(ratio), "ratio")
	b.ReportMetric(median(ratioParsed), "ratio-parse")
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
