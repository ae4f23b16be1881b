// Package adversarial holds NFs written to break Maestro's analysis, one
// pattern each, in its subpackages: each states its expected outcome in its
// package doc, which analyzers/stateaccess's TestAdversarial asserts, and
// each passes the differential tests on standard and hostile traffic. The
// NFs the analysis must refuse live in
// analyzers/stateaccess/testdata/adversarial instead (go generate would
// fail on them).
//
// One maestrogen run generates every subpackage: one package load for all
// of them, instead of one per package.
//
// The differential tests of every subpackage live here, in one external
// test package (adversarial_test, a file <name>_test.go per NF), not in
// the subpackages: one test binary to compile and link instead of one per
// NF, which a cold `go test ./...` would otherwise spend minutes on. Each
// test is named Test<Name>_<What>, <Name> the NF's package with its first
// letter upper-cased, so that
//
//	go test -run '^TestAddconst_' ./examples/adversarial
//
// runs every test of examples/adversarial/addconst, and
// -run '^TestAddconst_ParallelMatchesSequential$' one of them.
//
// The NFs' containers hold 8192 entries (split across the cores by
// NewParallel): the traces keep at most a few thousand flows live, and
// every run of the differential tests builds and zeroes the NF's
// containers anew and reads them at random, so a larger capacity only
// costs time (65,536 entries cost a cold go test ./... about 10 % of this
// package's test CPU).
package adversarial

//go:generate go run github.com/nfmaestro/maestro/gen/cmd/maestrogen ./...
