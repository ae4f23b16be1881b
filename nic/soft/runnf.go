package soft

import (
	"context"
	"errors"
	"fmt"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
)

// RSSProcessor is what maestrogen generates: a parallel NF that carries the
// RSS configuration its plan was solved for, one entry per port (the one
// marked rss.Config.Default standing for every undeclared port).
type RSSProcessor interface {
	nic.Processor
	RSS() []rss.Config
}

// lockBased is what the lock-based parallel NFs maestrogen generates have:
// one shared state, correct whichever core a packet reaches.
type lockBased interface {
	LockGroup() *maestro.LockGroup
}

// Job says what RunNF runs an NF on: the input (capture files or a
// Source), the output (a directory or a Sink) and how to run (Config).
type Job struct {
	// In are capture files, pcap or pcapng: In[i] is port i. They are
	// streamed, merged by timestamp (see OpenPcaps).
	In []string
	// Source supplies the frames instead of In (a traffic.Source, a
	// Trace's Reader, ...). Exactly one of In and Source is set.
	Source Source
	// Out, if set, is a directory: RunNF writes Out/port<N>.pcap for every
	// port, in input order (see CreatePcaps), with nanosecond timestamps.
	Out string
	// Sink receives the frames instead of Out. Neither: the frames are
	// counted and discarded.
	Sink Sink
	// Config is how to run. Its Ports of 0 means the most of the input's
	// ports and the NF's declared ports. Its Dispatch must stay nil for a
	// shared-nothing NF (see RunNF). Its Mode's zero value is TraceOrder;
	// set Concurrent for a truly parallel run.
	Config
}

// ErrDispatch is the error RunNF returns, wrapped, when Job.Config.Dispatch
// is set for a shared-nothing NF.
var ErrDispatch = errors.New("a shared-nothing NF's state is sharded by the RSS configuration it carries: leave Config.Dispatch nil, RunNF programs the software NIC with nf.RSS()")

// RunNF runs nf on job's input and writes what it sends to job's output:
// the one call that runs a generated parallel NF. It programs the software
// NIC with the NF's own RSS configuration (nf.RSS(), when nf is an
// RSSProcessor), so that every packet reaches the core whose state it may
// touch; a processor without one (nic.Sequential, a hand-written one) gets
// job.Dispatch, or HashDispatcher.
//
// A shared-nothing NF (an RSSProcessor that is not lock-based) refuses a
// job.Dispatch: any other dispatch sends packets to cores that do not hold
// their flows' state, and the results silently differ from the sequential
// NF's. A lock-based NF (one with a LockGroup) is correct under any
// dispatch and accepts one.
//
// Files RunNF opens it closes, outputs flushed, before it returns; the
// statistics are returned even when the run stops early (ctx done, a bad
// record), with the error.
func RunNF(ctx context.Context, nf nic.Processor, job Job) (*Result, error) {
	if nf == nil {
		return nil, errors.New("soft: RunNF: no NF")
	}
	cfg := job.Config
	rp, hasRSS := nf.(RSSProcessor)
	_, locked := nf.(lockBased)
	switch {
	case hasRSS && cfg.Dispatch != nil && !locked:
		return nil, fmt.Errorf("soft: RunNF: %w", ErrDispatch)
	case hasRSS && cfg.Dispatch == nil:
		d, err := RSSDispatcher(rp.RSS()...)
		if err != nil {
			return nil, fmt.Errorf("soft: RunNF: the NF's RSS configuration: %w", err)
		}
		cfg.Dispatch = d
	}
	if (len(job.In) > 0) == (job.Source != nil) {
		return nil, errors.New("soft: RunNF: give exactly one input, Job.In or Job.Source")
	}
	if job.Out != "" && job.Sink != nil {
		return nil, errors.New("soft: RunNF: give at most one output, Job.Out or Job.Sink")
	}
	src := job.Source
	if len(job.In) > 0 {
		r, err := OpenPcaps(job.In...)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		src = r
	}
	if cfg.Ports == 0 {
		cfg.Ports = src.Ports()
		if hasRSS {
			cfg.Ports = max(cfg.Ports, DeclaredPorts(rp.RSS()))
		}
	}
	var out *PcapDir
	if job.Out != "" {
		var err error
		out, err = CreatePcaps(job.Out, max(cfg.Ports, src.Ports()), false)
		if err != nil {
			return nil, err
		}
		cfg.Sink = out
	} else if job.Sink != nil {
		cfg.Sink = job.Sink
	}
	res, err := Run(ctx, src, nf, cfg)
	if out != nil {
		if cerr := out.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return res, err
}

// DeclaredPorts returns the number of ports an RSS configuration set
// covers: one more than the highest port with a configuration of its own,
// not counting the Default one, which stands for undeclared ports (a plan's
// pseudo-port). A set holding only a Default configuration declares one
// port.
func DeclaredPorts(cfgs []rss.Config) int {
	n := 0
	for _, c := range cfgs {
		if !c.Default {
			n = max(n, c.Port+1)
		}
	}
	return max(n, 1)
}
