// Package globalhelper is an adversarial NF (issue 11, class 2): a package-level
// variable written by a helper the packet path calls through a package-level
// function variable, var onDrop = countDrop.
//
// The write is in a function reached only through a function value stored
// in a global: an analysis that ignores dynamic calls never sees it. A
// package-level variable written on the packet path is MAE008; the
// unresolved call is MAE015. Expected: {refused:MAE008, refused:MAE015}.
package globalhelper

import "github.com/nfmaestro/maestro/maestro"

var dropped uint64

func countDrop() { dropped++ }

var onDrop = countDrop

// Filter drops packets with TTL 1 or less.
//
//maestro:nf
type Filter struct{}

// New returns a Filter.
func New() *Filter { return &Filter{} }

// Process filters one packet.
func (f *Filter) Process(p *maestro.Packet) maestro.Verdict {
	if p.TTL <= 1 {
		onDrop()
		return maestro.Drop
	}
	return maestro.Forward(1 - p.InPort&1)
}
