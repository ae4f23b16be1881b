// Command nfrun runs a catalog NF over traffic, sequentially or in parallel,
// on the software or the DPDK backend:
//
//	nfrun -nf NAME [-seq] [-cores N] [-in PORT0.pcap -in PORT1.pcap ...] [-out DIR]
//	      [-loop N] [-pps R | -speed X] [-json] [-backend soft|dpdk] [-eal "..."]
//	      [-check] [-version] [NF flags] [traffic flags]
//	nfrun -nf NAME -backend xdp -iface IF0,IF1 [-cores N] [-xdp-mode native|generic] [-duration D] [-out DIR]
//
// With -backend xdp (AF_XDP, Linux, root) the i-th -iface interface is
// port i and the run lasts -duration or until SIGINT (see nic/xdp).
// The i-th -in file is port i; the files' packets are merged by timestamp.
// An -in pcap may be a FIFO or a pipe (pcapng must be a regular file);
// SIGINT reaches a read waiting on it.
// Without -in, nfrun generates traffic in memory (package
// nic/soft/traffic: -flows, -packets, -dist, -bidir, -sizes, ... ; a
// traffic flag whose name the NF already uses is renamed -gen-NAME); a
// traffic flag together with -in or -backend dpdk is a usage error, as are
// an NF's -capacity below 1 and a negative duration (-timeout, ...).
// With -out DIR it writes DIR/port<N>.pcap for every port of the NF (in
// input order, so sequential and parallel runs compare file to file) and
// DIR/summary.txt (and DIR/summary.json with -json).
//
// -seq runs the plain sequential NF on one core. Otherwise the NF's
// generated parallel code runs on -cores workers (default: every CPU), fed
// by the RSS configuration it carries, or by a 5-tuple hash if it carries
// none. Until `go generate` has produced that code, nfrun falls back to the
// sequential NF when -cores was not given, and fails when it was.
// -trace-order processes packets in exact trace order (deterministic,
// no true parallelism) instead of concurrently.
//
// -check runs the runtime ownership check of a shared-nothing NF and exits
// 1, printing the first violations, if any core touched a container key
// that another core owns (a wrong plan or RSS configuration). It needs a
// binary built with -tags maestrocheck:
//
//	go run -tags maestrocheck ./examples/cmd/nfrun -nf fw -check
//
// Progress goes to stderr every -progress (default 1s), with each port's
// packet and bit rates since the previous report; the final summary (per
// port in/out/dropped/missed packets, bytes and Gbps; per core packets;
// total Mpps) to stdout, as JSON with -json (the Summary type).
//
// The software backend streams its input, whatever its length: capture
// files are read as they are processed, and generated traffic beyond 256
// MiB is made as it is consumed (a smaller trace is generated before the
// run, so that the rate measured is the NF's alone). -loop N replays the input N times, each pass following
// the previous one in time; -pps R paces the replay at R packets per
// second and -speed X at X times the capture's own timing (1: real time).
//
// The run itself is one call to soft.RunNF, which programs the software
// NIC with the parallel NF's own RSS configuration.
//
// SIGINT (Ctrl-C) stops the run on either backend: nfrun processes the
// records it has already taken from a FIFO or a pipe (nobody could read
// them again), flushes and closes its outputs, prints the summary of what
// was processed, and exits 130. A
// second SIGINT kills it at once.
//
// Exit status: 0 success, 1 runtime failure, 2 bad usage, 130 interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nfmaestro/maestro/examples/catalog"
	"github.com/nfmaestro/maestro/internal/buildinfo"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		// After the first SIGINT, the default action again: a second one
		// kills a run that hangs while flushing.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
	// exitInterrupted is the shell's code for a process ended by SIGINT
	// (128+2): the run was stopped early, its outputs flushed and its
	// summary printed.
	exitInterrupted = 130
)

// exitError is an error with the exit code it calls for.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

func runtimeErr(err error) error { return &exitError{exitRuntime, err} }

// finish turns the outcome of a run into nfrun's error: a run stopped by
// ctx (SIGINT), with nothing else wrong, is an interruption, not a failure.
func finish(ctx context.Context, runErr error) error {
	if ctx.Err() != nil && (runErr == nil || errors.Is(runErr, ctx.Err())) {
		return &exitError{exitInterrupted, errors.New("interrupted")}
	}
	if runErr != nil {
		return runtimeErr(runErr)
	}
	return nil
}

// run is the command; it returns the exit code. Errors are reported as one
// line on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := nfrun(ctx, args, stdout, stderr)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if errors.Is(err, errVersion) {
		fmt.Fprintln(stdout, "nfrun", buildinfo.String())
		return exitOK
	}
	fmt.Fprintf(stderr, "nfrun: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitRuntime
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// valueFlags are nfrun's own flags that take a value: scanNF skips their
// values so that, say, an -eal string is never mistaken for -nf.
var valueFlags = map[string]bool{"nf": true, "cores": true, "in": true, "out": true, "backend": true, "eal": true, "progress": true, "loop": true, "pps": true, "speed": true, "iface": true, "xdp-mode": true, "duration": true}

// errVersion is parse's answer to -version: print the version, exit 0.
var errVersion = errors.New("version requested")

// scanNF finds the -nf value among args before the flags are defined (the
// NF's own flags depend on it). It accepts -nf X, -nf=X, --nf X and --nf=X;
// the last one wins, as with the flag package. help reports -h or -help.
// version reports -version (whatever else the command line holds).
func scanNF(args []string) (name string, help, version bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		flagName, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		switch {
		case flagName == "h" || flagName == "help":
			help = true
		case flagName == "version" && (!hasValue || value == "true"):
			version = true
		case flagName == "nf":
			if !hasValue {
				if i+1 >= len(args) {
					return "", help, version, usageErr("flag needs an argument: -nf")
				}
				i++
				value = args[i]
			}
			name = value
		case valueFlags[flagName] && !hasValue:
			i++
		}
	}
	return name, help, version, nil
}

// options are the parsed command line.
type options struct {
	nf         catalog.NF
	builder    *catalog.Builder
	seq        bool
	cores      int
	coresSet   bool
	in         stringList
	out        string
	backend    string
	eal        string
	traceOrder bool
	ownCheck   bool
	pin        bool
	progress   time.Duration
	json       bool
	loop       int
	pacing     soft.Pacing
	gen        traffic.Config
	genSet     []string     // traffic generation flags given on the command line
	rss        []rss.Config // the parallel NF's RSS configuration, if it has one
	xdp        xdpOptions   // -backend xdp (xdp.go)
}

func generalUsage(w io.Writer) {
	fmt.Fprintln(w, `usage: nfrun -nf NAME [-seq] [-cores N] [-in PORT0.pcap -in PORT1.pcap ...] [-out DIR]
             [-loop N] [-pps R | -speed X] [-json] [-backend soft|dpdk] [-eal "..."]
             [-check] [-version] [NF flags] [traffic flags]
       nfrun -nf NAME -backend xdp -iface IF0,IF1 [-cores N] [-xdp-mode native|generic] [-duration D] [-out DIR]

Runs a catalog NF. "nfrun -nf NAME -h" lists every flag of that NF.

NFs:`)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, nf := range catalog.All() {
		fmt.Fprintf(tw, "  %s\t%s\n", nf.Name, nf.Doc)
	}
	tw.Flush()
}

// parse builds the flag set for the NF named in args and parses args.
func parse(args []string, stdout io.Writer) (*options, error) {
	name, help, version, err := scanNF(args)
	if err != nil {
		return nil, err
	}
	if version {
		return nil, errVersion
	}
	if name == "" {
		if help {
			generalUsage(stdout)
			return nil, flag.ErrHelp
		}
		return nil, usageErr("missing -nf NAME (known: %s)", strings.Join(catalog.Names(), ", "))
	}
	nf, err := catalog.Lookup(name)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	o := &options{nf: nf, gen: traffic.DefaultConfig()}
	fs := flag.NewFlagSet("nfrun", flag.ContinueOnError)
	fs.String("nf", name, "the NF to run (see nfrun -h)")
	fs.BoolVar(&o.seq, "seq", false, "run the plain sequential NF on one core")
	fs.IntVar(&o.cores, "cores", runtime.NumCPU(), "number of worker cores for the parallel NF")
	fs.Var(&o.in, "in", "input pcap or pcapng file; the i-th -in is port i (repeat; none: generate traffic)")
	fs.StringVar(&o.out, "out", "", "write DIR/port<N>.pcap per port and DIR/summary.txt")
	fs.StringVar(&o.backend, "backend", "soft", "backend: soft, dpdk or xdp (AF_XDP, -iface)")
	fs.StringVar(&o.eal, "eal", "", "DPDK EAL arguments (with -backend dpdk)")
	fs.BoolVar(&o.traceOrder, "trace-order", false, "process in exact trace order (deterministic) instead of concurrently")
	fs.BoolVar(&o.ownCheck, "check", false, "fail if a core touches a container key another core owns (binary built with -tags maestrocheck)")
	fs.BoolVar(&o.pin, "pin", false, "pin each worker to its own CPU (software backend, concurrent mode)")
	fs.DurationVar(&o.progress, "progress", time.Second, "progress report interval on stderr, with each port's rates since the last report (0: none)")
	fs.BoolVar(&o.json, "json", false, "print the summary as JSON (and write DIR/summary.json with -out)")
	fs.IntVar(&o.loop, "loop", 1, "replay the input `N` times (each pass shifted in time to follow the previous one)")
	fs.Float64Var(&o.pacing.PPS, "pps", 0, "replay at this many packets per second (0: as fast as possible)")
	fs.Float64Var(&o.pacing.Speed, "speed", 0, "replay at this multiple of capture time: 1 real time, 2 twice as fast (0: as fast as possible)")
	buildinfo.Flag(fs)
	o.xdp.register(fs)

	// The NF registers its own flags. A catalog entry that clashes with
	// ours makes the flag package panic; report it as an error instead.
	o.builder, err = func() (b *catalog.Builder, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("NF %s: registering its flags: %v", name, r)
			}
		}()
		return nf.Flags(fs), nil
	}()
	if err != nil {
		return nil, runtimeErr(err)
	}
	if o.builder == nil || o.builder.Seq == nil {
		return nil, runtimeErr(fmt.Errorf("NF %s: catalog entry builds no sequential NF", name))
	}

	// Traffic generation flags, renamed where the NF uses the name.
	gen := flag.NewFlagSet("traffic", flag.ContinueOnError)
	o.gen.RegisterFlags(gen)
	genFlags := map[string]bool{}
	gen.VisitAll(func(f *flag.Flag) {
		if f.Name == "ports" { // the NF decides
			return
		}
		n := f.Name
		if fs.Lookup(n) != nil {
			n = "gen-" + n
		}
		fs.Var(f.Value, n, "without -in: "+f.Usage)
		genFlags[n] = true
	})

	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: nfrun -nf %s [flags]\n\n%s: %s (%d ports)\n\nFlags:\n", name, name, nf.Doc, nf.Ports)
		fs.PrintDefaults()
	}
	fs.SetOutput(io.Discard) // errors are reported on one line by run
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return nil, err
		}
		return nil, usageErr("%v (see nfrun -nf %s -h)", err, name)
	}
	if fs.NArg() > 0 {
		hint := fmt.Sprintf("see nfrun -nf %s -h", name)
		if i := len(args) - fs.NArg(); i > 0 && strings.TrimLeft(args[i-1], "-") == "bidir" {
			hint = "a fraction for -bidir needs -bidir=F"
		}
		return nil, usageErr("unexpected argument %q (%s)", fs.Arg(0), hint)
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "cores" {
			o.coresSet = true
		}
		if genFlags[f.Name] {
			o.genSet = append(o.genSet, f.Name)
		}
	})
	if err := checkNFFlags(fs); err != nil {
		return nil, err
	}
	return o, o.check()
}

// checkNFFlags rejects values that the NFs would take without a word but
// cannot mean anything useful: a -capacity below 1 and a negative duration
// (-timeout, -backend-timeout, -progress, ...).
func checkNFFlags(fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok || err != nil {
			return
		}
		switch v := g.Get().(type) {
		case int:
			if f.Name == "capacity" && v < 1 {
				err = usageErr("-capacity %d: need at least 1", v)
			}
		case time.Duration:
			if v < 0 {
				err = usageErr("-%s %v is negative", f.Name, v)
			}
		}
	})
	return err
}

// check validates option combinations.
func (o *options) check() error {
	if err := o.checkXDP(); err != nil {
		return err
	}
	switch {
	case o.cores < 1:
		return usageErr("-cores %d: need at least 1", o.cores)
	case o.seq && o.coresSet && o.cores > 1:
		return usageErr("-seq runs one core; it cannot be combined with -cores %d", o.cores)
	case o.backend != "soft" && o.backend != "dpdk" && o.backend != "xdp":
		return usageErr("unknown -backend %q (want soft, dpdk or xdp)", o.backend)
	case o.backend == "soft" && o.eal != "":
		return usageErr("-eal needs -backend dpdk")
	case o.backend == "dpdk" && (len(o.in) > 0 || o.out != ""):
		return usageErr("-backend dpdk takes its ports from -eal (e.g. net_pcap vdevs), not -in/-out")
	case o.nf.Ports > 0 && len(o.in) > o.nf.Ports:
		return usageErr("NF %s has %d ports but %d -in files were given", o.nf.Name, o.nf.Ports, len(o.in))
	case len(o.genSet) > 0 && len(o.in) > 0:
		return usageErr("-%s generates traffic; it cannot be combined with -in", o.genSet[0])
	case len(o.genSet) > 0 && o.backend == "dpdk":
		return usageErr("-%s generates traffic; -backend dpdk takes its packets from the -eal ports", o.genSet[0])
	case o.ownCheck && !maestro.OwnershipCheck:
		return usageErr("%s", checkUsage)
	case o.ownCheck && o.seq:
		return usageErr("-check checks the parallel NF; it cannot be combined with -seq")
	case o.loop < 1:
		return usageErr("-loop %d: need at least 1", o.loop)
	case o.backend == "dpdk" && (o.loop != 1 || o.pacing != soft.Pacing{}):
		return usageErr("-loop, -pps and -speed pace the software backend's replay; -backend dpdk takes its packets from the -eal ports")
	}
	if err := o.pacing.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if len(o.in) == 0 {
		o.gen.Ports = o.ports()
		if err := o.gen.Validate(); err != nil {
			return usageErr("traffic: %v", err)
		}
	}
	return nil
}

// ports returns the number of NIC ports to run with.
func (o *options) ports() int { return max(o.nf.Ports, len(o.in), 1) }

// rssProvider is what nfrun looks for on a parallel Processor to program the
// software NIC like the generated code programs a real one.
type rssProvider interface {
	RSS() []rss.Config
}

// processor builds the processor to run and describes it.
// When the parallel NF was asked for only implicitly (no -seq, no -cores)
// and does not exist yet, it falls back to the sequential NF and says so in
// note.
func (o *options) processor() (proc nic.Processor, dispatch soft.Dispatch, desc, note string, err error) {
	parallel := !o.seq
	if parallel && o.builder.Parallel == nil {
		if o.coresSet {
			return nil, nil, "", "", runtimeErr(fmt.Errorf("NF %s has no generated parallel code yet; run go generate", o.nf.Name))
		}
		note = fmt.Sprintf("NF %s has no generated parallel code yet (run go generate); running the sequential NF", o.nf.Name)
		parallel = false
	}
	if !parallel {
		nf, err := o.builder.Seq()
		if err != nil {
			return nil, nil, "", "", runtimeErr(fmt.Errorf("NF %s: %w", o.nf.Name, err))
		}
		return nic.Sequential{NF: nf}, soft.HashDispatcher(1), "sequential, 1 core", note, nil
	}
	proc, err = o.builder.Parallel(o.cores)
	if err != nil {
		return nil, nil, "", "", runtimeErr(fmt.Errorf("NF %s: building the parallel NF: %w", o.nf.Name, err))
	}
	desc = fmt.Sprintf("parallel, %d cores", proc.Cores())
	if rp, ok := proc.(rssProvider); ok {
		o.rss = rp.RSS()
		dispatch, err = soft.RSSDispatcher(o.rss...)
		if err != nil {
			return nil, nil, "", "", runtimeErr(fmt.Errorf("NF %s: RSS configuration: %w", o.nf.Name, err))
		}
		return proc, dispatch, desc + ", generated RSS", "", nil
	}
	return proc, soft.HashDispatcher(proc.Cores()), desc + ", 5-tuple hash dispatch", "", nil
}

func nfrun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stdout)
	if err != nil {
		return err
	}
	proc, dispatch, desc, note, err := o.processor()
	if err != nil {
		return err
	}
	own, err := o.ownership(proc, stderr)
	if err != nil {
		return err
	}
	var progress func(soft.Progress)
	if o.progress > 0 {
		var prev soft.Progress
		progress = func(p soft.Progress) {
			fmt.Fprintln(stderr, progressLine(prev, p))
			prev = p
		}
	}
	if o.backend == "dpdk" {
		res, err := runDPDK(ctx, strings.Fields(o.eal), proc, o.ports(), o.rss, dispatch, progress, o.progress)
		if res != nil {
			if rerr := o.report(res, desc+", dpdk backend", "EAL: "+o.eal, ctx.Err() != nil, stdout); rerr != nil && err == nil {
				err = rerr
			}
		}
		if err := finish(ctx, err); err != nil {
			return err
		}
		return o.checkOwnership(own, stdout, stderr)
	}

	if o.backend == "xdp" {
		if err := o.runXDP(ctx, proc, desc, progress, stdout, stderr); err != nil {
			return err
		}
		return o.checkOwnership(own, stdout, stderr)
	}

	// The input: capture files, reopened for every -loop pass, or traffic
	// generated as it is consumed. Either streams: memory does not grow
	// with the trace.
	var input string
	var firstPcap *soft.PcapReader
	var open func() (soft.Source, error)
	if len(o.in) > 0 {
		input = "pcap: " + strings.Join(o.in, " ")
		open = func() (soft.Source, error) {
			r, err := soft.OpenPcaps(o.in...)
			if err != nil {
				return nil, err
			}
			if firstPcap == nil {
				firstPcap = r
			}
			// An input that is a FIFO or a pipe may block in read() for
			// ever: an interrupt must reach it there. Interrupt is safe
			// on a reader a later pass has closed.
			context.AfterFunc(ctx, func() { r.Interrupt(ctx.Err()) })
			return r, nil
		}
	} else {
		input = fmt.Sprintf("generated: %d packets, %d %v %v flows, bidir %g, seed %d", o.gen.Packets, o.gen.Flows, o.gen.Dist, o.gen.Proto, o.gen.Bidir, o.gen.Seed)
		if traceBytes(o.gen) <= inMemoryBudget {
			// Generated before the run, so that the rate measured is the
			// NF's and not the generator's; packed, so that holding it
			// costs little more than its frames' bytes.
			tr, err := traffic.GeneratePacked(o.gen)
			if err != nil {
				return runtimeErr(err)
			}
			open = func() (soft.Source, error) { return tr.Reader(), nil }
		} else {
			input += " (streamed: the rate includes generating them)"
			open = func() (soft.Source, error) { return traffic.NewSource(o.gen) }
		}
	}
	if o.loop > 1 {
		input += fmt.Sprintf(", %d times", o.loop)
	}
	switch {
	case o.pacing.PPS > 0:
		input += fmt.Sprintf(", paced at %g packets/s", o.pacing.PPS)
	case o.pacing.Speed > 0:
		input += fmt.Sprintf(", paced at %g times capture speed", o.pacing.Speed)
	}
	looped, err := soft.Loop(open, o.loop)
	if err != nil {
		return runtimeErr(err)
	}
	defer looped.Close()
	src, err := soft.Pace(ctx, looped, o.pacing)
	if err != nil {
		return runtimeErr(err)
	}

	if note != "" {
		// Only now that the input is known to be good, so that a bad
		// command line gets one line of error and nothing else.
		fmt.Fprintf(stderr, "nfrun: %s\n", note)
	}
	// RunNF programs the software NIC with the parallel NF's own RSS
	// configuration (a sequential or hash-dispatched NF gets a hash).
	cfg := soft.Config{Ports: o.ports(), Mode: soft.Concurrent, Progress: progress, ProgressEvery: o.progress, Pin: o.pin}
	if o.traceOrder {
		cfg.Mode = soft.TraceOrder
	}
	res, runErr := soft.RunNF(ctx, proc, soft.Job{Source: src, Out: o.out, Config: cfg})
	if firstPcap != nil {
		warnCaptures(firstPcap.Stats(), stderr)
	}
	if res != nil {
		if err := o.report(res, fmt.Sprintf("%s, soft backend, %v", desc, cfg.Mode), input, ctx.Err() != nil, stdout); err != nil && runErr == nil {
			runErr = err
		}
	}
	if err := finish(ctx, runErr); err != nil {
		return err
	}
	return o.checkOwnership(own, stdout, stderr)
}

// inMemoryBudget is the largest generated trace nfrun holds in memory
// before the run; a larger one is generated as the run consumes it, in
// memory bounded by the flows (the generator then shares the CPU with the
// NF, and the measured rate includes it).
const inMemoryBudget = 256 << 20

// traceBytes estimates the memory a generated trace takes held in memory
// (traffic.GeneratePacked): each frame's bytes plus an 8-byte record.
func traceBytes(c traffic.Config) int64 { return traffic.PackedBytes(c) }

// warnCaptures warns, once per file and with counts, about records that a
// replay cannot reproduce faithfully.
func warnCaptures(stats []soft.CaptureStats, stderr io.Writer) {
	for _, s := range stats {
		if s.Truncated > 0 {
			fmt.Fprintf(stderr, "nfrun: warning: %s: %d of %d records truncated by the capture's snaplen (captured length below wire length; replayed as captured)\n", s.File, s.Truncated, s.Records)
		}
		if s.Backwards > 0 {
			fmt.Fprintf(stderr, "nfrun: warning: %s: timestamps go backwards %d time(s) in %d records (replayed in file order, each such packet at the time of the packet before it, so that time never goes back)\n", s.File, s.Backwards, s.Records)
		}
	}
}
