// Command tracegen writes synthetic traffic as one pcap file per port, for
// nfrun and other tools:
//
//	tracegen [-ports 2] [-flows 40000] [-packets 1000000] [-dist uniform|zipf]
//	         [-zipf-s 1.1] [-bidir[=FRACTION]] [-churn FLOWS/S] [-sizes 64|imix|LIST]
//	         [-seed N] [-rate PPS] [-proto udp|tcp|mix] [-hostile FRACTION]
//	         [-kinds all|LIST] [-pool] [-inbound] [-heartbeat F] [-heartbeat-backends N]
//	         [-nf nat|lb [-cores N] [NF flags]] [-micro] [-out DIR] [-version]
//
// It writes DIR/port0.pcap (the LAN side, where flows start) ... and
// DIR/port<N-1>.pcap (the WAN side, where replies enter). The same flags,
// seed included, give byte-identical files. See package
// github.com/nfmaestro/maestro/nic/soft/traffic for what each flag means.
//
// -nf shapes the traffic for an NF of the catalog. -nf nat addresses the
// replies to the NAT's external address and the port it gives each flow
// (tracegen runs the NAT, with its flags -ext-ip, -port-start, -capacity
// and -timeout, on -cores cores as nfrun -nf nat -cores N will: give
// both the same -cores). -nf lb sends client flows into the WAN port and
// heartbeats from a few backends into the LAN port as a small share
// (-heartbeat, default 0.01).
//
// Traffic is generated as it is written: memory does not grow with
// -packets.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

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
	// -nf NAME adds the NF's own flags, so it is read before parsing.
	nfName := scanFlag(args, "nf")
	fs.String("nf", nfName, "shape the traffic for this catalog NF: `nat` (replies to its external address) or lb (clients on the WAN, heartbeats on the LAN)")
	cores := fs.Int("cores", defaultCores, "with -nf nat: the cores of the parallel NAT the replies are for (as nfrun -cores)")
	applyNF, err := nfFlags(nfName, fs)
	if err != nil {
		fmt.Fprintf(stderr, "tracegen: %v\n", err)
		return 2
	}
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
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *cores < 1 {
		fmt.Fprintf(stderr, "tracegen: -cores %d: need at least 1\n", *cores)
		return 2
	}
	model, err := applyNF(&cfg, set, *cores)
	if err != nil {
		fmt.Fprintf(stderr, "tracegen: %v\n", err)
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
	if model != nil {
		fmt.Fprintf(stdout, "replies addressed as nfrun -nf %s -cores %d translates: %d LAN packets translated, %d refused (table full)\n", nfName, *cores, model.translated, model.refused)
	}
	return 0
}

// scanFlag returns the value of -name (or --name, with = or as the next
// argument) in args, "" if absent; the last one wins, as with the flag
// package.
func scanFlag(args []string, name string) string {
	v := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		n, value, has := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || n != name {
			continue
		}
		if !has && i+1 < len(args) {
			i++
			value = args[i]
		}
		v = value
	}
	return v
}
