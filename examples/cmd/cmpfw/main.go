// Command cmpfw compares the Go FW (examples/fwbasic, the paper's bare 5-tuple
// firewall that the C program implements) with the C baseline FW of
// examples/internal/cbaseline, a firewall in the style of libVig, on
// identical frames.
//
// For each flow count it writes one trace of valid IPv4 frames, builds the C
// program with gcc -O2 -march=native, and runs the C program and each Go
// implementation as separate processes, alternately, pairs times (the order
// within a pair alternates too). Every process reads the whole trace into
// memory first and times only its processing loop in process CPU time
// (getrusage), so both sides are measured the same way. Peak RSS is each
// process's VmHWM. cmpfw prints the
// median CPU ns per packet, the median of the per-pair ratios to C, the
// state bytes per flow of capacity and the peak RSS of each process, and
// fails if any run passed a different number of packets than the C FW.
//
// Usage:
//
//	cmpfw [-flows 40000,1000000] [-packets 2000000] [-pairs 5] [-impls go,idiomatic]
//	cmpfw -flows N [-packets P] -trace-out FILE   (write the trace only)
//	cmpfw -worker IMPL -capacity C [-timeout T] FILE   (one Go run, as compare makes them)
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nfmaestro/maestro/examples/internal/cbaseline"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type options struct {
	flows   []int
	packets int
	pairs   int
	timeout time.Duration
	impls   []string
	// worker, when set, makes this process a Go worker: it runs that
	// implementation over the trace file (the only argument) and prints
	// its result line.
	worker   string
	capacity int
	// traceOut, when set, makes cmpfw only write the trace of the (single)
	// flow count there, for running fwc or a worker by hand.
	traceOut string
}

func parseFlags(args []string, stderr io.Writer) (*options, []string, error) {
	o := &options{}
	fs := flag.NewFlagSet("cmpfw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flows := fs.String("flows", "40000,1000000", "comma-separated flow counts, one trace each")
	fs.IntVar(&o.packets, "packets", 2000000, "packets per trace")
	fs.IntVar(&o.pairs, "pairs", 5, "alternating runs of every implementation")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "flow timeout")
	impls := fs.String("impls", strings.Join(cbaseline.Impls, ","), "Go implementations to compare with C")
	fs.StringVar(&o.worker, "worker", "", "internal: run one Go implementation over a trace file")
	fs.IntVar(&o.capacity, "capacity", 0, "internal: the worker's flow capacity")
	fs.StringVar(&o.traceOut, "trace-out", "", "only write the trace of the one -flows count to this file")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if o.worker != "" {
		if fs.NArg() != 1 || o.capacity <= 0 {
			return nil, nil, errors.New("-worker needs -capacity and one trace file")
		}
		return o, fs.Args(), nil
	}
	if fs.NArg() != 0 {
		return nil, nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*flows, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1<<29 {
			return nil, nil, fmt.Errorf("-flows: %q is not a flow count in 1..2^29", s)
		}
		o.flows = append(o.flows, n)
	}
	if o.packets < 1 || o.packets > 1<<26 {
		return nil, nil, fmt.Errorf("-packets %d: want 1..2^26", o.packets)
	}
	if o.traceOut != "" && len(o.flows) != 1 {
		return nil, nil, errors.New("-trace-out writes one trace: give one -flows count")
	}
	if o.pairs < 1 {
		return nil, nil, fmt.Errorf("-pairs %d: want at least 1", o.pairs)
	}
	if o.timeout <= 0 {
		return nil, nil, fmt.Errorf("-timeout %v: want a positive duration", o.timeout)
	}
	for _, s := range strings.Split(*impls, ",") {
		s = strings.TrimSpace(s)
		if !slices.Contains(cbaseline.Impls, s) {
			return nil, nil, fmt.Errorf("-impls: unknown implementation %q (have %v)", s, cbaseline.Impls)
		}
		o.impls = append(o.impls, s)
	}
	return o, nil, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	o, rest, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "cmpfw:", err)
		}
		return 2
	}
	switch {
	case o.worker != "":
		err = worker(o, rest[0], stdout)
	case o.traceOut != "":
		err = writeTrace(o.traceOut, o.flows[0], o.packets)
	default:
		err = compare(o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cmpfw:", err)
		return 1
	}
	return 0
}

func worker(o *options, path string, stdout io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	pkts, err := cbaseline.ReadTrace(data)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	res, err := cbaseline.RunGo(o.worker, pkts, o.capacity, o.timeout, nil)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, res)
	return err
}

// sample is one process's result.
type sample struct {
	passed     int
	nsPerPkt   float64
	stateBytes float64 // per flow of capacity
	maxRSS     int64   // bytes
}

// parseResult reads the key=value line a worker or fwc prints last.
func parseResult(out []byte) (map[string]float64, error) {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	kv := map[string]float64{}
	for _, f := range strings.Fields(lines[len(lines)-1]) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("bad result field %q", f)
		}
		kv[k] = x
	}
	for _, k := range []string{"packets", "passed", "cpu_ns"} {
		if _, ok := kv[k]; !ok {
			return nil, fmt.Errorf("result %q lacks %s", lines[len(lines)-1], k)
		}
	}
	return kv, nil
}

func runOne(cmd *exec.Cmd, capacity int) (sample, error) {
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v\n%s", cmd.Path, err, errb.Bytes())
	}
	kv, err := parseResult(out)
	if err != nil {
		return sample{}, err
	}
	s := sample{passed: int(kv["passed"]), nsPerPkt: kv["cpu_ns"] / kv["packets"]}
	if b, ok := kv["state_bytes_per_flow"]; ok {
		s.stateBytes = b
	} else {
		s.stateBytes = kv["state_bytes"] / float64(capacity)
	}
	s.maxRSS = int64(kv["peak_rss_kb"]) * 1024
	return s, nil
}

func writeTrace(path string, flows, packets int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := cbaseline.WriteTrace(w, cbaseline.FlowTrace(flows, packets, 1)); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func compare(o *options, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "cmpfw")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fwc, err := cbaseline.Build(dir)
	if err != nil {
		return err
	}
	names := append([]string{"c"}, o.impls...)
	fmt.Fprintf(stdout, "cmpfw: %d packets per trace, %d alternating pairs, timeout %v; CPU ns/packet of the processing loop (getrusage)\n\n", o.packets, o.pairs, o.timeout)
	fmt.Fprintln(stdout, "| flows | FW | median ns/packet | min | median ratio to C | state bytes/flow | ratio to C | peak RSS MiB | passed |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|")
	for _, flows := range o.flows {
		capacity := 1
		for capacity < flows {
			capacity <<= 1
		}
		trace := filepath.Join(dir, "trace")
		if err := writeTrace(trace, flows, o.packets); err != nil {
			return err
		}
		samples := make(map[string][]sample)
		for pair := range o.pairs {
			order := slices.Clone(names)
			if pair%2 == 1 {
				slices.Reverse(order)
			}
			for _, n := range order {
				var cmd *exec.Cmd
				if n == "c" {
					cmd = exec.Command(fwc, strconv.Itoa(capacity), strconv.FormatInt(int64(o.timeout), 10), trace)
				} else {
					cmd = exec.Command(self, "-worker", n, "-capacity", strconv.Itoa(capacity), "-timeout", o.timeout.String(), trace)
				}
				s, err := runOne(cmd, capacity)
				if err != nil {
					return err
				}
				samples[n] = append(samples[n], s)
				fmt.Fprintf(stderr, "flows %d pair %d %s: %.1f ns/packet\n", flows, pair, n, s.nsPerPkt)
			}
		}
		c := samples["c"]
		for _, n := range names {
			ss := samples[n]
			var ns, ratio, rss []float64
			for i, s := range ss {
				if s.passed != c[0].passed {
					return fmt.Errorf("%d flows: %s passed %d packets, C passed %d", flows, n, s.passed, c[0].passed)
				}
				ns = append(ns, s.nsPerPkt)
				ratio = append(ratio, s.nsPerPkt/c[i].nsPerPkt)
				rss = append(rss, float64(s.maxRSS))
			}
			fmt.Fprintf(stdout, "| %d | %s | %.1f | %.1f | %.2f | %.1f | %.2f | %.1f | %d |\n", flows, n, median(ns), slices.Min(ns),
				median(ratio), ss[0].stateBytes, ss[0].stateBytes/c[0].stateBytes, median(rss)/(1<<20), ss[0].passed)
		}
	}
	return nil
}
