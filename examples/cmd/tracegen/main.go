// Command tracegen writes synthetic traffic as one pcap file per port, for
// nfrun and other tools:
//
//	tracegen [-ports 2] [-flows 40000] [-packets 1000000] [-dist uniform|zipf]
//	         [-zipf-s 1.1] [-bidir[=FRACTION]] [-churn FLOWS/S] [-sizes 64|imix|LIST]
//	         [-seed N] [-rate PPS] [-proto udp|tcp|mix] [-hostile FRACTION]
//	         [-kinds all|LIST] [-pool] [-micro] [-out DIR]
//
// It writes DIR/port0.pcap (the LAN side, where flows start) ... and
// DIR/port<N-1>.pcap (the WAN side, where replies enter). The same flags,
// seed included, give byte-identical files. See package
// github.com/nfmaestro/maestro/nic/soft/traffic for what each flag means.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nfmaestro/maestro/internal/buildinfo"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command; it returns the exit code: 0, 1 for a failure while
// writing, 2 for bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	cfg := traffic.DefaultConfig()
	fs := flag.NewFlagSet("tracegen", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	out := fs.String("out", ".", "output directory for port<N>.pcap")
	micro := fs.Bool("micro", false, "write microsecond timestamps (default nanoseconds)")
	version := buildinfo.Flag(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: tracegen [flags]\n\nWrites synthetic traffic as DIR/port<N>.pcap, one file per port.\n\nFlags:")
		fs.PrintDefaults()
	}
	// Parse errors are reported on one line of our own, not followed by the
	// whole flag list.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "tracegen: %v (see tracegen -h)\n", err)
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "tracegen", buildinfo.String())
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tracegen: unexpected argument %q (flags only; a fraction for -bidir needs -bidir=F)\n", fs.Arg(0))
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "tracegen: %v\n", err)
		return 2
	}
	// Stream the frames to the files: a trace of big frames need not fit
	// in memory.
	// Hostile extra-port traffic arrives on one more port than -ports.
	d, err := soft.CreatePcaps(*out, cfg.NumPorts(), *micro)
	if err != nil {
		fmt.Fprintf(stderr, "tracegen: %v\n", err)
		return 1
	}
	per := make([]int, cfg.NumPorts())
	err = traffic.Each(cfg, func(f soft.Frame) error {
		per[f.Port]++
		return d.Write(f)
	})
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "tracegen: %v\n", err)
		return 1
	}
	for port, n := range per {
		fmt.Fprintf(stdout, "%s: %d packets\n", soft.PortFile(*out, port), n)
	}
	return 0
}
