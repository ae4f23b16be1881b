//go:build !linux

package main

import (
	"context"
	"flag"
	"io"
	"time"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
)

// xdpOptions are the flags of the AF_XDP backend, which needs Linux.
type xdpOptions struct {
	ifaces   string
	mode     string
	duration time.Duration
}

func (x *xdpOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&x.ifaces, "iface", "", "with -backend xdp (Linux only): comma-separated interfaces")
	fs.StringVar(&x.mode, "xdp-mode", "", "with -backend xdp (Linux only): native or generic")
	fs.DurationVar(&x.duration, "duration", 0, "with -backend xdp (Linux only): stop after this long")
}

func (o *options) checkXDP() error {
	if o.backend == "xdp" || o.xdp.ifaces != "" || o.xdp.mode != "" || o.xdp.duration != 0 {
		return usageErr("-backend xdp (AF_XDP) needs Linux")
	}
	return nil
}

func (o *options) runXDP(context.Context, nic.Processor, string, func(soft.Progress), io.Writer, io.Writer) error {
	return usageErr("-backend xdp (AF_XDP) needs Linux")
}
