package catalog

import (
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/nfmaestro/maestro/examples/cl"
	"github.com/nfmaestro/maestro/examples/dbridge"
	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/examples/fwbasic"
	"github.com/nfmaestro/maestro/examples/hhh"
	"github.com/nfmaestro/maestro/examples/lb"
	"github.com/nfmaestro/maestro/examples/nat"
	"github.com/nfmaestro/maestro/examples/nop"
	"github.com/nfmaestro/maestro/examples/policer"
	"github.com/nfmaestro/maestro/examples/psd"
	"github.com/nfmaestro/maestro/examples/sbridge"
)

func init() {
	Register(NF{
		Name:  "nop",
		Doc:   "forward every packet to the other port",
		Ports: 2,
		Flags: func(*flag.FlagSet) *Builder {
			return build("nop", func() (nop.Config, error) { return nop.Config{}, nil }, nop.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "fw",
		Doc:   "stateful firewall: WAN packets pass only for live LAN flows (ICMP echo by identifier, ICMP errors quoting a live flow, fragments of known datagrams)",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := fw.DefaultConfig()
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum number of flows")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "flow expiry timeout")
			return build("fw", func() (fw.Config, error) { return cfg, nil }, fw.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "fw-basic",
		Doc:   "the paper's firewall: bare 5-tuple match (ports 0 for ICMP and fragments)",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := fwbasic.DefaultConfig()
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum number of flows")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "flow expiry timeout")
			return build("fw-basic", func() (fwbasic.Config, error) { return cfg, nil }, fwbasic.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "sbridge",
		Doc:   "static bridge: forward by destination MAC from a fixed table, flood unknown",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := sbridge.DefaultConfig()
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "MAC table size")
			macs := fs.String("macs", "", "static MAC table: comma-separated MAC=PORT pairs")
			return build("sbridge", func() (sbridge.Config, error) {
				entries, err := sbridge.ParseEntries(*macs)
				if err != nil {
					return sbridge.Config{}, err
				}
				c := cfg
				c.Entries = entries
				return c, nil
			}, sbridge.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "dbridge",
		Doc:   "learning bridge: learn source MACs, forward by destination MAC, flood unknown",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := dbridge.DefaultConfig()
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum number of learned MACs")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "MAC ageing time")
			return build("dbridge", func() (dbridge.Config, error) { return cfg, nil }, dbridge.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "policer",
		Doc:   "per-destination token bucket on WAN->LAN traffic",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := policer.DefaultConfig()
			fs.Int64Var(&cfg.Rate, "rate", cfg.Rate, "rate per destination in bytes/s")
			fs.Int64Var(&cfg.Burst, "burst", cfg.Burst, "bucket size per destination in bytes")
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum number of destinations")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "idle destination expiry")
			return build("policer", func() (policer.Config, error) {
				if err := cfg.Validate(); err != nil {
					return policer.Config{}, err
				}
				return cfg, nil
			}, policer.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "nat",
		Doc:   "port-translating NAT: LAN flows leave from the external IP and a port of their own",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := nat.DefaultConfig()
			extIP := fs.String("ext-ip", ipString(cfg.ExternalIP), "external (WAN) IPv4 address")
			start := fs.Uint("port-start", uint(cfg.StartPort), "first external port")
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "number of external ports (a power of two)")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "flow expiry timeout")
			return build("nat", func() (nat.Config, error) {
				c := cfg
				ip, err := parseIPv4(*extIP)
				if err != nil {
					return nat.Config{}, fmt.Errorf("-ext-ip: %v", err)
				}
				if *start == 0 || *start > 65535 {
					return nat.Config{}, fmt.Errorf("-port-start %d: want 1 to 65535", *start)
				}
				c.ExternalIP, c.StartPort = ip, uint16(*start)
				if err := c.Validate(); err != nil {
					return nat.Config{}, err
				}
				return c, nil
			}, nat.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "lb",
		Doc:   "Maglev load balancer: WAN flows pinned to live backends that heartbeat on the LAN",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := lb.DefaultConfig()
			fs.IntVar(&cfg.Backends, "backends", cfg.Backends, "maximum number of backends")
			fs.DurationVar(&cfg.BackendTimeout, "backend-timeout", cfg.BackendTimeout, "backend expiry without heartbeat")
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum number of pinned flows")
			fs.DurationVar(&cfg.FlowTimeout, "timeout", cfg.FlowTimeout, "flow expiry timeout")
			fs.IntVar(&cfg.RingSize, "ring", cfg.RingSize, "Maglev lookup table size (rounded up to a prime)")
			return build("lb", func() (lb.Config, error) { return cfg, nil }, lb.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "psd",
		Doc:   "port-scan detector: block WAN sources that touch too many ports in a window",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := psd.DefaultConfig()
			fs.IntVar(&cfg.Limit, "limit", cfg.Limit, "distinct destination ports allowed per source and window")
			fs.DurationVar(&cfg.Window, "window", cfg.Window, "counting window per source")
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum tracked sources and (source, port) pairs")
			return build("psd", func() (psd.Config, error) { return cfg, nil }, psd.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "cl",
		Doc:   "connection limiter: cap new LAN flows per (source, destination) address pair",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := cl.DefaultConfig()
			fs.IntVar(&cfg.Threshold, "threshold", cfg.Threshold, "new flows allowed per address pair and timeout")
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum number of flows")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "flow and pair-count expiry timeout")
			fs.IntVar(&cfg.SketchWidth, "width", cfg.SketchWidth, "count-min sketch counters per row")
			fs.IntVar(&cfg.SketchDepth, "depth", cfg.SketchDepth, "count-min sketch rows")
			return build("cl", func() (cl.Config, error) { return cfg, nil }, cl.New)
		},
	})
}

func init() {
	Register(NF{
		Name:  "hhh",
		Doc:   "hierarchical heavy hitters: token buckets per WAN source prefix",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := hhh.DefaultConfig()
			prefixes := fs.String("prefixes", "28,30,32", "source prefix lengths, comma-separated (at most 4)")
			rate := fs.Int64("rate", 1_000_000, "rate of a /32 in bytes/s; a /n gets 2^((32-n)/2) times more")
			burst := fs.Int64("burst", 100_000, "bucket size of a /32 in bytes, scaled like -rate")
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum tracked prefixes per level")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "idle prefix expiry")
			return build("hhh", func() (hhh.Config, error) {
				var bits []int
				for _, f := range strings.Split(*prefixes, ",") {
					n, err := strconv.Atoi(strings.TrimSpace(f))
					if err != nil {
						return hhh.Config{}, fmt.Errorf("-prefixes: %v", err)
					}
					bits = append(bits, n)
				}
				c := cfg
				c.Levels = hhh.LevelsFor(bits, *rate, *burst)
				if err := c.Validate(); err != nil {
					return hhh.Config{}, err
				}
				return c, nil
			}, hhh.New)
		},
	})
}

// parseIPv4 parses a dotted-quad address into host byte order.
func parseIPv4(s string) (uint32, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return 0, err
	}
	if !a.Is4() {
		return 0, fmt.Errorf("%s is not an IPv4 address", s)
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), nil
}

// ipString formats a host-order IPv4 address.
func ipString(ip uint32) string {
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}).String()
}
