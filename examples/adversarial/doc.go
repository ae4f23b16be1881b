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
package adversarial

//go:generate go run github.com/nfmaestro/maestro/gen/cmd/maestrogen ./...
