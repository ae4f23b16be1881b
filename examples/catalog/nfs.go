package catalog

import (
	"flag"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/examples/nop"
	"github.com/nfmaestro/maestro/maestro"
)

func init() {
	Register(NF{
		Name:  "nop",
		Doc:   "forward every packet to the other port",
		Ports: 2,
		Flags: func(*flag.FlagSet) *Builder {
			return &Builder{Seq: func() (maestro.NF, error) { return nop.New(nop.Config{}), nil }}
		},
	})
}

func init() {
	Register(NF{
		Name:  "fw",
		Doc:   "stateful firewall: WAN packets pass only for live LAN flows",
		Ports: 2,
		Flags: func(fs *flag.FlagSet) *Builder {
			cfg := fw.DefaultConfig()
			fs.IntVar(&cfg.Capacity, "capacity", cfg.Capacity, "maximum number of flows")
			fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "flow expiry timeout")
			return &Builder{Seq: func() (maestro.NF, error) { return fw.New(cfg), nil }}
		},
	})
}
