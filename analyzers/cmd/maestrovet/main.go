// Command maestrovet reports what stops a Maestro NF from being
// parallelized: it runs the stateaccess analyzer (see package
// github.com/nfmaestro/maestro/analyzers/stateaccess).
//
// Standalone:
//
//	maestrovet ./...
//	maestrovet -fix ./...     # applies MAE001's fix (adds //maestro:state)
//	maestrovet -json ./...    # each diagnostic's category is CODE/EFFECT
//
// As a vet tool (or as a go tool of your module: go get -tool
// github.com/nfmaestro/maestro/analyzers/cmd/maestrovet, then
// go vet -vettool=$(go tool -n maestrovet) ./...):
//
//	go vet -vettool=$(which maestrovet) ./...
//
// singlechecker.Main serves both: it detects the vet protocol from its
// arguments.
//
// Every finding is reported unless it is acknowledged: scaling findings
// (effect locks) and warnings can be, with //maestro:ack CODE REASON on the
// NF or at the line; blocking findings cannot (package stateaccess,
// "Acknowledging findings").
//
// Exit codes, standalone: 0 no finding, 3 findings reported, 1 the
// packages could not be loaded or analysed (a stale generated file says
// "run go generate"); with -json the findings go to stdout and the exit
// code is 0 unless loading failed. Under go vet: 0 no finding, 1 findings or
// errors. -version prints the build and exits 0.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/nfmaestro/maestro/analyzers/stateaccess"
	"github.com/nfmaestro/maestro/internal/buildinfo"
	"golang.org/x/tools/go/analysis/singlechecker"
)

func main() {
	// singlechecker parses flag.CommandLine and runs at once: -version is
	// defined there (so that -h lists it) but acted on before.
	buildinfo.Flag(flag.CommandLine)
	if wantsVersion(os.Args[1:]) {
		fmt.Println("maestrovet", buildinfo.String())
		os.Exit(0)
	}
	singlechecker.Main(stateaccess.Analyzer)
}

// wantsVersion reports whether the flags (those before the first
// argument that is not a flag) ask for -version.
func wantsVersion(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return false
		}
		switch strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-") {
		case "version", "version=true", "version=1":
			return true
		}
	}
	return false
}
