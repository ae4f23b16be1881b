package traffic

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// RegisterFlags defines the flags that set c's fields on fs, with c's current
// values as defaults: -ports, -flows, -packets, -dist, -zipf-s, -bidir,
// -churn, -sizes, -seed, -rate, -proto, -hostile, -kinds, -pool, -inbound,
// -heartbeat, -heartbeat-backends. Flag values are checked as they are
// parsed where they can be on their own; call Validate after parsing for the
// rest.
//
// -bidir accepts a fraction in [0, 1] or a boolean: "-bidir" alone means 1
// (every flow answered). Like every boolean flag, it needs "=" to take a
// value: -bidir=0.3.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Ports, "ports", c.Ports, "number of ports: flows start on ports 0..N-2 (LAN), replies enter port N-1 (WAN)")
	fs.IntVar(&c.Flows, "flows", c.Flows, "number of live flows")
	fs.IntVar(&c.Packets, "packets", c.Packets, "number of packets, replies included")
	fs.Var((*distValue)(&c.Dist), "dist", "flow popularity: `uniform|zipf`")
	fs.Float64Var(&c.ZipfS, "zipf-s", c.ZipfS, "Zipf exponent (with -dist zipf)")
	fs.Var((*bidirValue)(&c.Bidir), "bidir", "fraction of flows answered from the WAN side, `0..1` (-bidir alone means 1; a fraction needs -bidir=F)")
	fs.Float64Var(&c.Churn, "churn", c.Churn, "new flows per second of trace time, replacing the oldest")
	fs.Var((*sizesValue)(&c.Sizes), "sizes", "frame sizes with FCS: one size, imix, or a comma list picked uniformly (`64|imix|64,128,...`)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed (same seed, same trace)")
	fs.Float64Var(&c.Rate, "rate", c.Rate, "packets per second, for the timestamps")
	fs.Var((*protoValue)(&c.Proto), "proto", "flow protocol: `udp|tcp|mix`")
	fs.Float64Var(&c.Hostile, "hostile", c.Hostile, "fraction of packets that are hostile traffic, `0..1`")
	fs.Var((*kindsValue)(&c.Kinds), "kinds", "hostile kinds: `all` or a comma list of "+strings.Join(kindNames, ", "))
	fs.BoolVar(&c.Pool, "pool", c.Pool, "draw flows from small pools of adjacent addresses and ports (colliding keys, carries)")
	fs.BoolVar(&c.Inbound, "inbound", c.Inbound, "flows start on the WAN side (last port), replies enter the LAN side")
	fs.Float64Var(&c.Heartbeat, "heartbeat", c.Heartbeat, "fraction of packets that are heartbeats from backends on port 0, `0..1`")
	fs.IntVar(&c.Backends, "heartbeat-backends", c.Backends, "number of backends sending heartbeats (0: 16)")
}

type kindsValue Kind

func (k *kindsValue) String() string { return Kind(*k).String() }

func (k *kindsValue) Set(s string) error {
	v, err := ParseKinds(s)
	if err == nil {
		*k = kindsValue(v)
	}
	return err
}

type distValue Dist

func (d *distValue) String() string { return Dist(*d).String() }

func (d *distValue) Set(s string) error {
	v, err := ParseDist(s)
	if err == nil {
		*d = distValue(v)
	}
	return err
}

type protoValue Proto

func (p *protoValue) String() string { return Proto(*p).String() }

func (p *protoValue) Set(s string) error {
	v, err := ParseProto(s)
	if err == nil {
		*p = protoValue(v)
	}
	return err
}

type sizesValue []int

func (v *sizesValue) String() string {
	if v == nil {
		return ""
	}
	if equalInts(*v, IMIX) {
		return "imix"
	}
	parts := make([]string, len(*v))
	for i, n := range *v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

func (v *sizesValue) Set(s string) error {
	sizes, err := ParseSizes(s)
	if err == nil {
		*v = sizes
	}
	return err
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type bidirValue float64

func (b *bidirValue) String() string {
	if b == nil {
		return "0"
	}
	return strconv.FormatFloat(float64(*b), 'g', -1, 64)
}

// IsBoolFlag lets "-bidir" stand alone, as a boolean flag.
func (b *bidirValue) IsBoolFlag() bool { return true }

func (b *bidirValue) Set(s string) error {
	switch s {
	case "true":
		*b = 1
		return nil
	case "false":
		*b = 0
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || !(f >= 0 && f <= 1) {
		return fmt.Errorf("want a fraction in [0, 1] or true/false, got %q", s)
	}
	*b = bidirValue(f)
	return nil
}
