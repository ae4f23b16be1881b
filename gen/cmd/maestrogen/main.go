// Command maestrogen generates the parallel version of a Maestro NF. In a
// module of your own, make it a tool of the module and put a go:generate
// line in the NF's package:
//
//	go get -tool github.com/nfmaestro/maestro/gen/cmd/maestrogen
//
//	//go:generate go tool maestrogen
//
// go generate then writes <nf>_maestro_gen.go next to the NF and maestrogen
// prints one line saying what it wrote. -explain, -json and -diff print
// the plan or the change instead; -strategy, -nic and -seed change the plan
// and, run by hand, need -w to write. -version prints the build. Exit
// codes: 0 success, 1 failure, 2 bad usage. Run maestrogen -h for the
// flags; the work is done by package gen.
package main

import (
	"os"

	"github.com/nfmaestro/maestro/gen"
)

func main() { os.Exit(gen.Main(os.Args[1:], os.Stdout, os.Stderr)) }
