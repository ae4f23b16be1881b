// Package asmprocess is an adversarial NF (issue 11, class 9:
// declarations): a firewall whose Process is declared in Go without a body
// and implemented in assembly (process.s), as hand-optimised packet
// paths sometimes are.
//
// There is no SSA to analyse: an analysis that walks an empty function
// finds no access and plans a stateless NF, whose generated code would
// replicate a flow table it never saw. A Process without a Go body is
// refused at the line: MAE011. Expected: {refused:MAE011}.
package asmprocess

import "github.com/nfmaestro/maestro/maestro"

// FW is a firewall.
//
//maestro:nf
type FW struct {
	//maestro:state
	flows *maestro.Table[maestro.FlowID, struct{}]
}

// New returns an FW.
func New() *FW { return &FW{flows: maestro.NewTable[maestro.FlowID, struct{}](1024, 1e9)} }

func nop()

// Process filters one packet (in assembly).
func (f *FW) Process(p *maestro.Packet) maestro.Verdict // want MAE011
