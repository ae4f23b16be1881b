//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/xdp"
)

// xdpOptions are the flags of the AF_XDP backend.
type xdpOptions struct {
	ifaces   string
	mode     string
	rss      string
	duration time.Duration
}

// register adds the AF_XDP backend's flags to fs.
func (x *xdpOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&x.ifaces, "iface", "", "with -backend xdp: comma-separated interfaces, the i-th is port i")
	fs.StringVar(&x.mode, "xdp-mode", "", "with -backend xdp: native or generic (default: native where the driver has it, else generic)")
	fs.StringVar(&x.rss, "xdp-rss", "", "with -backend xdp: device (default: program the plan's RSS into devices that take it, via ethtool, restored at exit) or xdp (leave the devices alone, steer in the XDP program)")
	fs.DurationVar(&x.duration, "duration", 0, "with -backend xdp: stop after this long (0: run until SIGINT)")
}

// interfaces returns the -iface list.
func (x *xdpOptions) interfaces() []string {
	var names []string
	for _, n := range strings.Split(x.ifaces, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// checkXDP validates the AF_XDP backend's flags against the others.
func (o *options) checkXDP() error {
	x := &o.xdp
	if o.backend != "xdp" {
		switch {
		case x.ifaces != "":
			return usageErr("-iface needs -backend xdp")
		case x.mode != "":
			return usageErr("-xdp-mode needs -backend xdp")
		case x.rss != "":
			return usageErr("-xdp-rss needs -backend xdp")
		case x.duration != 0:
			return usageErr("-duration needs -backend xdp (the other backends stop at the end of their input)")
		}
		return nil
	}
	names := x.interfaces()
	switch {
	case len(names) == 0:
		return usageErr("-backend xdp needs -iface IF0[,IF1...]: the i-th interface is port i")
	case len(o.in) > 0 || o.eal != "":
		return usageErr("-backend xdp takes its packets from the -iface interfaces, not -in or -eal")
	case len(o.genSet) > 0:
		return usageErr("-%s generates traffic; -backend xdp takes its packets from the -iface interfaces", o.genSet[0])
	case o.traceOrder:
		return usageErr("-trace-order needs a trace; -backend xdp runs on live interfaces")
	case x.duration < 0:
		return usageErr("-duration %v: must not be negative", x.duration)
	case o.nf.Ports > 0 && len(names) < o.nf.Ports:
		return usageErr("NF %s has %d ports but -iface names %d interface(s)", o.nf.Name, o.nf.Ports, len(names))
	}
	if x.rss != "" && x.rss != "device" && x.rss != "xdp" {
		return usageErr("-xdp-rss %q: want device or xdp", x.rss)
	}
	if _, err := xdp.ParseMode(x.mode); err != nil {
		return usageErr("-xdp-mode %q: want native or generic", x.mode)
	}
	return nil
}

// runXDP runs proc on the AF_XDP backend until -duration has passed or ctx
// is done (SIGINT), and prints the summary the other backends print, with
// the XDP mode and copy or zero-copy in its description.
func (o *options) runXDP(ctx context.Context, proc nic.Processor, desc string, progress func(soft.Progress), stdout, stderr io.Writer) error {
	names := o.xdp.interfaces()
	mode, _ := xdp.ParseMode(o.xdp.mode) // checked by checkXDP
	runCtx := ctx
	if o.xdp.duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.xdp.duration)
		defer cancel()
	}
	cfg := xdp.Config{Interfaces: names, Mode: mode, RSS: o.rss, Progress: progress, ProgressEvery: o.progress, NoDeviceRSS: o.xdp.rss == "xdp"}
	cfg.Ready = func(info xdp.Info) {
		for _, n := range info.Notes {
			fmt.Fprintf(stderr, "nfrun: %s\n", n)
		}
		fmt.Fprintf(stderr, "nfrun: running: %v\n", info)
	}
	var pcaps *soft.PcapDir
	if o.out != "" {
		var err error
		if pcaps, err = soft.CreatePcaps(o.out, len(names), false); err != nil {
			return runtimeErr(err)
		}
		cfg.Sink = pcaps
	}
	res, runErr := xdp.Run(runCtx, cfg, proc)
	if pcaps != nil {
		if err := pcaps.Close(); err != nil && runErr == nil {
			runErr = err
		}
	}
	if res != nil {
		input := "interfaces: " + strings.Join(names, " ")
		if err := o.report(&res.Result, fmt.Sprintf("%s, xdp backend, %v", desc, res.Info), input, ctx.Err() != nil, stdout); err != nil && runErr == nil {
			runErr = err
		}
	}
	return finish(ctx, runErr)
}
