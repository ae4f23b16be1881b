package fwbasic

// Running go generate writes fw_maestro_gen.go, the parallel version of the
// NF, from maestrogen's analysis of this package.

//go:generate go run github.com/nfmaestro/maestro/gen/cmd/maestrogen
