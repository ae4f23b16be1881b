// Command maestrogen generates the parallel version of a Maestro NF. Put
//
//	//go:generate go run github.com/nfmaestro/maestro/gen/cmd/maestrogen
//
// in the NF's package; go generate then writes <nf>_maestro_gen.go next to
// it. Run maestrogen -h for the flags; the work is done by package gen.
package main

import (
	"os"

	"github.com/nfmaestro/maestro/gen"
)

func main() { os.Exit(gen.Main(os.Args[1:], os.Stdout, os.Stderr)) }
