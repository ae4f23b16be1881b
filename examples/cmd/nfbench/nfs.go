package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nfmaestro/maestro/examples/catalog"
	"github.com/nfmaestro/maestro/examples/cl"
	"github.com/nfmaestro/maestro/examples/dbridge"
	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/examples/hhh"
	"github.com/nfmaestro/maestro/examples/internal/baseline"
	"github.com/nfmaestro/maestro/examples/lb"
	"github.com/nfmaestro/maestro/examples/nat"
	"github.com/nfmaestro/maestro/examples/nop"
	"github.com/nfmaestro/maestro/examples/policer"
	"github.com/nfmaestro/maestro/examples/psd"
	"github.com/nfmaestro/maestro/examples/sbridge"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
)

// Variants: the two Maestro strategies and the three baselines.
const (
	SharedNothing = "shared-nothing"
	Locks         = "locks"
	Mutex         = "mutex"
	XSync         = "xsync"
	RWMutex       = "rwmutex"
)

var (
	allStrategies = []string{SharedNothing, Locks}
	allBaselines  = []string{Mutex, XSync, RWMutex}
)

// errUnavailable marks a variant an NF does not have (a shared-nothing
// DBridge, an xsync rewrite nobody wrote); nfbench skips it with a note.
var errUnavailable = errors.New("not available")

// builder builds one variant of an NF for a number of cores.
type builder func(cores int) (nic.Processor, error)

// rssProvider is implemented by maestrogen's parallel NFs: the RSS
// configuration the NIC must be programmed with.
type rssProvider interface{ RSS() []rss.Config }

// nfSpec is what nfbench knows about one catalog NF, configured for the
// benchmark traffic.
type nfSpec struct {
	name string
	// planned is the strategy maestrogen chose; the other one, when present,
	// is the generator's alternative build (NewLocked of a shared-nothing
	// NF).
	planned string
	// variants builds each available variant.
	variants map[string]builder
	// lbTraffic: clients on WAN, heartbeats on LAN (see lbTrace).
	lbTraffic bool
}

// capacityLarge sizes the tables of the NFs whose key count grows with both
// directions of the traffic (DBridge learns hosts and servers, LB pins
// request and reply 5-tuples as separate client flows): with the default
// 65536 they would fill up under churn and turn every packet of an
// unlearned host into a write, which is a different benchmark.
const capacityLarge = 1 << 17

// newSpec configures the NF called name. timeout > 0 overrides every
// expiry timeout (flow, MAC, bucket, window) so that churned-out state
// expires within the trace.
func newSpec(name string, timeout time.Duration) (*nfSpec, error) {
	entry, err := catalog.Lookup(name)
	if err != nil {
		return nil, err
	}
	// The catalog builds the sequential NF (and the generated parallel one,
	// once registered) from its flags; set the same overrides there.
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := entry.Flags(fs)
	set := func(flagName, value string) {
		if fs.Lookup(flagName) != nil {
			_ = fs.Set(flagName, value)
		}
	}
	if timeout > 0 {
		set("timeout", timeout.String())
		set("window", timeout.String())
	}
	s := &nfSpec{name: name, variants: map[string]builder{}}
	sn := func(f builder) { s.planned = SharedNothing; s.variants[SharedNothing] = f }
	locks := func(f builder) {
		if s.planned == "" {
			s.planned = Locks
		}
		s.variants[Locks] = f
	}
	rewrite := func(f func(k baseline.Kind, cores int) nic.Processor) {
		s.variants[XSync] = func(c int) (nic.Processor, error) { return f(baseline.KindXSync, c), nil }
		s.variants[RWMutex] = func(c int) (nic.Processor, error) { return f(baseline.KindRWMutex, c), nil }
	}
	to := func(d time.Duration) time.Duration {
		if timeout > 0 {
			return timeout
		}
		return d
	}
	switch name {
	case "nop":
		cfg := nop.Config{}
		sn(func(c int) (nic.Processor, error) { return nop.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return nop.NewLocked(cfg, c) })
	case "sbridge":
		cfg := sbridge.DefaultConfig()
		sn(func(c int) (nic.Processor, error) { return sbridge.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return sbridge.NewLocked(cfg, c) })
	case "fw":
		cfg := fw.DefaultConfig()
		cfg.Timeout = to(cfg.Timeout)
		sn(func(c int) (nic.Processor, error) { return fw.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return fw.NewLocked(cfg, c) })
		rewrite(func(k baseline.Kind, c int) nic.Processor { return baseline.NewFW(k, cfg, c) })
	case "policer":
		cfg := policer.DefaultConfig()
		cfg.Timeout = to(cfg.Timeout)
		sn(func(c int) (nic.Processor, error) { return policer.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return policer.NewLocked(cfg, c) })
		rewrite(func(k baseline.Kind, c int) nic.Processor { return baseline.NewPolicer(k, cfg, c) })
	case "dbridge":
		cfg := dbridge.DefaultConfig()
		cfg.Timeout = to(cfg.Timeout)
		cfg.Capacity = capacityLarge
		set("capacity", fmt.Sprint(capacityLarge))
		locks(func(c int) (nic.Processor, error) { return dbridge.NewParallel(cfg, c) })
		rewrite(func(k baseline.Kind, c int) nic.Processor { return baseline.NewDBridge(k, cfg, c) })
	case "nat":
		cfg := nat.DefaultConfig()
		cfg.Timeout = to(cfg.Timeout)
		sn(func(c int) (nic.Processor, error) { return nat.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return nat.NewLocked(cfg, c) })
	case "lb":
		cfg := lb.DefaultConfig()
		cfg.FlowTimeout = to(cfg.FlowTimeout)
		cfg.Capacity = capacityLarge
		set("capacity", fmt.Sprint(capacityLarge))
		locks(func(c int) (nic.Processor, error) { return lb.NewParallel(cfg, c) })
		s.lbTraffic = true
	case "psd":
		cfg := psd.DefaultConfig()
		cfg.Window = to(cfg.Window)
		sn(func(c int) (nic.Processor, error) { return psd.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return psd.NewLocked(cfg, c) })
	case "cl":
		cfg := cl.DefaultConfig()
		cfg.Timeout = to(cfg.Timeout)
		sn(func(c int) (nic.Processor, error) { return cl.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return cl.NewLocked(cfg, c) })
	case "hhh":
		cfg := hhh.DefaultConfig()
		cfg.Timeout = to(cfg.Timeout)
		sn(func(c int) (nic.Processor, error) { return hhh.NewParallel(cfg, c) })
		locks(func(c int) (nic.Processor, error) { return hhh.NewLocked(cfg, c) })
	default:
		// An NF registered after this file was written: bench what the
		// catalog can build.
		if b.Parallel != nil {
			s.planned = "parallel"
			s.variants["parallel"] = b.Parallel
		}
	}
	s.variants[Mutex] = func(c int) (nic.Processor, error) {
		nf, err := b.Seq()
		if err != nil {
			return nil, err
		}
		return baseline.NewMutex(nf, c), nil
	}
	return s, nil
}

// build returns variant v of s for cores, or errUnavailable.
func (s *nfSpec) build(v string, cores int) (nic.Processor, error) {
	f, ok := s.variants[v]
	if !ok {
		return nil, errUnavailable
	}
	return f(cores)
}

// isStrategy reports whether v is one of Maestro's generated strategies (as
// opposed to a baseline).
func isStrategy(v string) bool { return v == SharedNothing || v == Locks || v == "parallel" }
