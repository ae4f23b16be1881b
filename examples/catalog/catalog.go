// Package catalog lists the example NFs for the commands (nfrun, nfbench):
// each entry registers the NF's configuration flags and builds sequential
// instances (and, where code generation has produced one, the parallel NF).
package catalog

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
)

// Builder builds instances of one NF from parsed flag values.
type Builder struct {
	// Seq builds one sequential instance.
	Seq func() (maestro.NF, error)
	// Parallel builds the generated parallel NF for the given number of
	// cores; nil until the NF has generated code.
	Parallel func(cores int) (nic.Processor, error)
}

// NF describes one catalog NF.
type NF struct {
	// Name is the -nf value, e.g. "fw".
	Name string
	// Doc is a one-line description.
	Doc string
	// Ports is the number of ports the NF uses.
	Ports int
	// Flags registers the NF's configuration flags on fs and returns the
	// builder that uses their parsed values.
	Flags func(fs *flag.FlagSet) *Builder
}

var registry = map[string]NF{}

// Register adds an NF to the catalog; the NF packages' catalog files call it
// from init. It panics on a duplicate name, a programming error.
func Register(nf NF) {
	if _, dup := registry[nf.Name]; dup {
		panic("catalog: duplicate NF " + nf.Name)
	}
	registry[nf.Name] = nf
}

// All returns every registered NF sorted by name.
func All() []NF {
	out := make([]NF, 0, len(registry))
	for _, nf := range registry {
		out = append(out, nf)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered names, sorted.
func Names() []string {
	var names []string
	for _, nf := range All() {
		names = append(names, nf.Name)
	}
	return names
}

// Lookup returns the NF called name, or an error listing the valid names.
func Lookup(name string) (NF, error) {
	nf, ok := registry[name]
	if !ok {
		return NF{}, fmt.Errorf("unknown NF %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return nf, nil
}

// build makes the Builder of an NF whose configuration config produces
// (after its flags are parsed): sequential instances from newNF, parallel
// ones from the NF's generated code.
func build[C any, T maestro.NF](name string, config func() (C, error), newNF func(C) T) *Builder {
	return &Builder{
		Seq: func() (maestro.NF, error) {
			c, err := config()
			if err != nil {
				return nil, err
			}
			return newNF(c), nil
		},
		Parallel: func(cores int) (nic.Processor, error) {
			c, err := config()
			if err != nil {
				return nil, err
			}
			return NewParallel(name, c, cores)
		},
	}
}
