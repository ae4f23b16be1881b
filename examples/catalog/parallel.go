package catalog

import (
	"fmt"

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
	"github.com/nfmaestro/maestro/nic"
)

// parallels maps each NF name to its maestrogen-generated parallel
// constructor, taking the NF's own Config type (checked at run time, since
// the builders in nfs.go hold each NF's parsed configuration).
var parallels = map[string]func(cfg any, cores int) (nic.Processor, error){
	"cl":       adapt(cl.NewParallel),
	"dbridge":  adapt(dbridge.NewParallel),
	"fw":       adapt(fw.NewParallel),
	"fw-basic": adapt(fwbasic.NewParallel),
	"hhh":      adapt(hhh.NewParallel),
	"lb":       adapt(lb.NewParallel),
	"nat":      adapt(nat.NewParallel),
	"nop":      adapt(nop.NewParallel),
	"policer":  adapt(policer.NewParallel),
	"psd":      adapt(psd.NewParallel),
	"sbridge":  adapt(sbridge.NewParallel),
}

// adapt turns a typed NewParallel into the catalog's untyped form.
func adapt[C any, P nic.Processor](newParallel func(C, int) (P, error)) func(any, int) (nic.Processor, error) {
	return func(cfg any, cores int) (nic.Processor, error) {
		c, ok := cfg.(C)
		if !ok {
			return nil, fmt.Errorf("catalog: parallel NF wants a %T configuration, got %T", c, cfg)
		}
		return newParallel(c, cores)
	}
}

// NewParallel builds the generated parallel version of the NF called name
// with configuration cfg (the NF package's Config value) for cores cores.
// A builder in nfs.go sets
//
//	Parallel: func(cores int) (nic.Processor, error) { return NewParallel("fw", cfg, cores) }
func NewParallel(name string, cfg any, cores int) (nic.Processor, error) {
	f, ok := parallels[name]
	if !ok {
		return nil, fmt.Errorf("catalog: NF %q has no generated parallel version", name)
	}
	return f(cfg, cores)
}
