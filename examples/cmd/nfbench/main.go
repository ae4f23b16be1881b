// Command nfbench measures how Maestro's parallel NFs scale with cores, and
// how they compare with the conventional ways of sharing an NF's state.
//
// For every selected NF, variant, traffic and core count it builds the NF,
// generates the traffic once, splits it per core the way the NIC would (RSS
// with the NF's generated configuration for Maestro's strategies, a plain
// flow hash for the baselines, which need no affinity), warms the NF up, and
// times one worker per core (locked to its OS thread, pinned to a CPU by
// default) calling ProcessBurst on bursts of 32 of its own pre-parsed
// packets, all released together. The dispatcher is therefore not measured:
// the numbers are the NF's.
//
// Variants:
//
//	shared-nothing  maestrogen's NewParallel for NFs it shards (per-core state)
//	locks           maestrogen's lock-based build: NewParallel of NFs it could
//	                not shard (dbridge, lb), NewLocked of the others
//	mutex           the sequential NF shared by all cores behind one sync.Mutex
//	xsync           the NF rewritten over xsync.MapOf (fw, policer, dbridge)
//	rwmutex         the NF rewritten over a Go map and a sync.RWMutex (same)
//
// Traffic: uniform (40,000 UDP flows of 64-byte frames, half answered),
// zipf, imix (the simple Internet mix), churnP (P percent of the packets
// open a new flow).
//
// Output: a markdown table on stdout with medians and min-max over -runs,
// -csv and -json for tools, -plots DIR for cores-vs-Mpps plots (SVG), a
// progress bar on stderr.
//
// Usage:
//
//	nfbench [-nf fw,policer] [-strategy shared-nothing,locks] [-baseline mutex,xsync,rwmutex]
//	        [-cores 1,2] [-traffic uniform,zipf,churn1,imix] [-runs 5] [-packets N] [-duration D]
//	        [-csv FILE] [-json FILE] [-plots DIR] [-cpuprofile FILE]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nfmaestro/maestro/examples/catalog"
	"github.com/nfmaestro/maestro/internal/buildinfo"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// options are the parsed command line.
type options struct {
	nfs        []string
	strategies []string
	baselines  []string
	cores      []int
	traffic    []trafficSpec
	flows      int
	packets    int
	warmup     int
	duration   time.Duration
	limit      time.Duration
	runs       int
	timeout    time.Duration
	zipfS      float64
	seed       uint64
	pin        bool
	quiet      bool
	csv, json  string
	plots      string
	cpuprofile string
}

// usageError is a bad command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// parseFlags parses and validates args.
func parseFlags(args []string, stdout io.Writer) (*options, error) {
	fs := flag.NewFlagSet("nfbench", flag.ContinueOnError)
	o := &options{}
	nfs := fs.String("nf", "all", "NFs to bench, comma-separated, or all (known: "+strings.Join(catalog.Names(), ", ")+")")
	strategies := fs.String("strategy", strings.Join(allStrategies, ","), "Maestro strategies, comma-separated, or none: shared-nothing, locks")
	baselines := fs.String("baseline", strings.Join(allBaselines, ","), "baselines, comma-separated, or none: mutex, xsync, rwmutex")
	cores := fs.String("cores", fmt.Sprintf("1-%d", runtime.GOMAXPROCS(0)), "core counts: a comma list and/or ranges, e.g. 1,2 or 1-4 (at most GOMAXPROCS)")
	trafficList := fs.String("traffic", "uniform,zipf,churn1,imix", "traffic, comma-separated: "+knownTraffic)
	fs.IntVar(&o.flows, "flows", 40000, "live flows in the generated traffic")
	fs.IntVar(&o.packets, "packets", 1<<20, "timed packets per pass (all cores together)")
	fs.IntVar(&o.warmup, "warmup", -1, "untimed packets run first to fill the NF's state (default 5 per flow)")
	fs.DurationVar(&o.duration, "duration", 0, "minimum timed duration per measurement: passes over the timed packets repeat until reached (0: one pass; repeats revisit the same flows, so churn only applies to the first)")
	fs.DurationVar(&o.limit, "limit", 2*time.Second, "stop a core's pass after this long and count what it did (0: no limit); only a pathologically slow variant hits it")
	fs.IntVar(&o.runs, "runs", 5, "repetitions of every measurement (medians and min-max are reported)")
	fs.DurationVar(&o.timeout, "timeout", time.Second, "expiry timeout given to every NF (flows, MACs, buckets, PSD window), in real time: packets are stamped with the clock as processed; 0 keeps each NF's default")
	fs.Float64Var(&o.zipfS, "zipf-s", 1.1, "Zipf exponent of the zipf traffic")
	fs.Uint64Var(&o.seed, "seed", 1, "traffic seed")
	fs.BoolVar(&o.pin, "pin", true, "pin worker i to CPU i")
	fs.BoolVar(&o.quiet, "q", false, "no progress bar")
	fs.StringVar(&o.csv, "csv", "", "also write the results as CSV to `FILE`")
	fs.StringVar(&o.json, "json", "", "also write the results as JSON to `FILE`")
	fs.StringVar(&o.plots, "plots", "", "write cores-vs-Mpps plots (SVG), one per NF and traffic, to `DIR`")
	version := buildinfo.Flag(fs)
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile to `FILE` (workers carry pprof labels nf, variant, traffic, cores)")
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fs.SetOutput(stdout)
		fmt.Fprintf(stdout, "usage: nfbench [flags]\n\nScaling benchmarks of the catalog NFs: Maestro's strategies against baselines.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageErr("%v (see nfbench -h)", err)
	}
	if *version {
		// Done, like -h: the caller exits 0.
		fmt.Fprintln(stdout, "nfbench", buildinfo.String())
		return nil, flag.ErrHelp
	}
	if fs.NArg() > 0 {
		return nil, usageErr("unexpected argument %q (see nfbench -h)", fs.Arg(0))
	}
	var err error
	if o.nfs, err = parseNFs(*nfs); err != nil {
		return nil, err
	}
	if o.strategies, err = parseSet("-strategy", *strategies, allStrategies); err != nil {
		return nil, err
	}
	if o.baselines, err = parseSet("-baseline", *baselines, allBaselines); err != nil {
		return nil, err
	}
	if len(o.strategies)+len(o.baselines) == 0 {
		return nil, usageErr("-strategy none and -baseline none leave nothing to bench")
	}
	if o.cores, err = parseCores(*cores, runtime.GOMAXPROCS(0)); err != nil {
		return nil, err
	}
	for _, name := range splitList(*trafficList) {
		t, err := parseTraffic(name)
		if err != nil {
			return nil, usageErr("-traffic: %v", err)
		}
		if slices.ContainsFunc(o.traffic, func(u trafficSpec) bool { return u.name == t.name }) {
			return nil, usageErr("-traffic: %q given twice", name)
		}
		o.traffic = append(o.traffic, t)
	}
	if len(o.traffic) == 0 {
		return nil, usageErr("-traffic: empty list (known: %s)", knownTraffic)
	}
	if o.warmup < 0 {
		o.warmup = 5 * o.flows
	}
	switch {
	case o.flows < 1 || o.flows > 1<<24:
		return nil, usageErr("-flows %d: want 1 to %d", o.flows, 1<<24)
	case o.packets < 1:
		return nil, usageErr("-packets %d: want at least 1", o.packets)
	case o.runs < 1:
		return nil, usageErr("-runs %d: want at least 1", o.runs)
	case o.duration < 0:
		return nil, usageErr("-duration %v is negative", o.duration)
	case o.limit < 0:
		return nil, usageErr("-limit %v is negative", o.limit)
	case o.timeout < 0:
		return nil, usageErr("-timeout %v is negative", o.timeout)
	case !(o.zipfS >= 0):
		return nil, usageErr("-zipf-s %v: want a number >= 0", o.zipfS)
	}
	return o, nil
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseNFs parses -nf: "all" or registered names.
func parseNFs(s string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return catalog.Names(), nil
	}
	var out []string
	for _, name := range splitList(s) {
		if _, err := catalog.Lookup(name); err != nil {
			return nil, usageErr("-nf: %v", err)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, usageErr("-nf: empty list (known: %s)", strings.Join(catalog.Names(), ", "))
	}
	return out, nil
}

// parseSet parses a list of names out of known, or "none".
func parseSet(flagName, s string, known []string) ([]string, error) {
	if strings.TrimSpace(s) == "none" {
		return nil, nil
	}
	var out []string
	for _, v := range splitList(s) {
		if !slices.Contains(known, v) {
			return nil, usageErr("%s: unknown %q (known: %s, or none)", flagName, v, strings.Join(known, ", "))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, usageErr("%s: empty list (known: %s, or none)", flagName, strings.Join(known, ", "))
	}
	return out, nil
}

// parseCores parses "1,2", "1-4" or a mix into sorted distinct counts in
// 1..maxCores. More workers than GOMAXPROCS would time the Go scheduler,
// not the NF.
func parseCores(s string, maxCores int) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a > b {
			return nil, usageErr("-cores: bad %q (want N or N-M, e.g. 1,2 or 1-4)", f)
		}
		if a < 1 || b > maxCores {
			return nil, usageErr("-cores: %q out of range 1-%d (GOMAXPROCS; raise it to bench more cores)", f, maxCores)
		}
		for n := a; n <= b; n++ {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	if len(out) == 0 {
		return nil, usageErr("-cores: empty list")
	}
	sort.Ints(out)
	return out, nil
}

// run is main with its outputs and exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stdout)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "nfbench: %v\n", err)
		var ue *usageError
		if errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "nfbench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "nfbench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := bench(o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "nfbench: %v\n", err)
		return 1
	}
	if err := writeOutputs(o, rep, stdout); err != nil {
		fmt.Fprintf(stderr, "nfbench: %v\n", err)
		return 1
	}
	return 0
}

// job is one (NF, variant, traffic, cores) point.
type job struct {
	spec    *nfSpec
	variant string
	traffic int // index in options.traffic
	cores   int
}

// bench runs every measurement -runs times and aggregates them. Runs are
// the outer loop: each repetition sweeps every point, so a burst of load
// from other users of the machine hits one sample of many points rather
// than every sample of one.
func bench(o *options, stderr io.Writer) (*report, error) {
	var specs []*nfSpec
	for _, name := range o.nfs {
		s, err := newSpec(name, o.timeout)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	var jobs []job
	var notes []string
	for ti := range o.traffic {
		for _, s := range specs {
			for _, v := range append(append([]string(nil), o.strategies...), o.baselines...) {
				if _, ok := s.variants[v]; !ok {
					if ti == 0 {
						notes = append(notes, fmt.Sprintf("%s: no %s variant (%s)", s.name, v, whyMissing(s, v)))
					}
					continue
				}
				for _, c := range o.cores {
					jobs = append(jobs, job{spec: s, variant: v, traffic: ti, cores: c})
				}
			}
			if s.variants["parallel"] != nil && len(o.strategies) > 0 {
				for _, c := range o.cores {
					jobs = append(jobs, job{spec: s, variant: "parallel", traffic: ti, cores: c})
				}
			}
		}
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "nfbench: skipping %s\n", n)
	}
	if len(jobs) == 0 {
		return nil, errors.New("no NF has any of the selected variants")
	}

	prog := newProgress(stderr, len(jobs)*o.runs, o.quiet)
	traces := map[int]*trace{}
	lbTraces := map[int]*trace{}
	getTrace := func(ti int, lbKind bool) (*trace, error) {
		t, ok := traces[ti]
		if !ok {
			prog.status("generating " + o.traffic[ti].name + " traffic")
			var err error
			if t, err = genTrace(o.traffic[ti], o.flows, o.warmup, o.packets, o.zipfS, o.seed); err != nil {
				return nil, err
			}
			traces[ti] = t
		}
		if !lbKind {
			return t, nil
		}
		if lt, ok := lbTraces[ti]; ok {
			return lt, nil
		}
		lt := lbTrace(t, 0, 1)
		lbTraces[ti] = lt
		return lt, nil
	}

	results := make([][]*sample, len(jobs))
	for r := range o.runs {
		for i, j := range jobs {
			prog.step(fmt.Sprintf("run %d/%d %s %s %s %dc", r+1, o.runs, j.spec.name, j.variant, o.traffic[j.traffic].name, j.cores))
			t, err := getTrace(j.traffic, j.spec.lbTraffic)
			if err != nil {
				return nil, err
			}
			proc, err := j.spec.build(j.variant, j.cores)
			if err != nil {
				return nil, fmt.Errorf("%s %s on %d cores: %v", j.spec.name, j.variant, j.cores, err)
			}
			var sp splitter
			if rp, ok := proc.(rssProvider); ok && isStrategy(j.variant) {
				if sp, err = rssSplit(rp.RSS()); err != nil {
					return nil, fmt.Errorf("%s %s: %v", j.spec.name, j.variant, err)
				}
			} else {
				sp = hashSplit(j.cores)
			}
			cts := split(t, j.cores, sp)
			s := measure(proc, cts, runOpts{
				pin: o.pin, duration: o.duration, limit: o.limit,
				labels: []string{"nf", j.spec.name, "variant", j.variant, "traffic", t.name, "cores", strconv.Itoa(j.cores)},
			})
			results[i] = append(results[i], s)
		}
	}
	prog.done()
	return aggregate(o, jobs, results), nil
}

// whyMissing explains a skipped variant.
func whyMissing(s *nfSpec, v string) string {
	switch {
	case v == SharedNothing && s.planned == Locks:
		return "maestrogen could not shard it: lock-based only"
	case v == XSync || v == RWMutex:
		return "no concurrent-map rewrite in examples/internal/baseline"
	}
	return "no generated code known to nfbench"
}
