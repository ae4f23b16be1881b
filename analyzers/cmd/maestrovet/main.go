// Command maestrovet reports what stops a Maestro NF from being
// parallelized: it runs the stateaccess analyzer (see package
// github.com/nfmaestro/maestro/analyzers/stateaccess).
//
// Standalone:
//
//	maestrovet ./...
//
// As a vet tool:
//
//	go vet -vettool=$(which maestrovet) ./...
//
// singlechecker.Main serves both: it detects the vet protocol from its
// arguments.
package main

import (
	"github.com/nfmaestro/maestro/analyzers/stateaccess"
	"golang.org/x/tools/go/analysis/singlechecker"
)

func main() { singlechecker.Main(stateaccess.Analyzer) }
