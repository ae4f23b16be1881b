package main

import (
	"fmt"
	"io"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
)

// The runtime ownership check (-check).
//
// A binary built with -tags maestrocheck records, in every shared-nothing
// parallel NF, the core that owns each container key (see maestro.Ownership).
// -check makes a key touched by two cores fail the run: the first
// violations go to stderr and nfrun exits 1. Without -check such a binary
// still warns. A binary built without the tag has no check to run, so
// -check is a usage error there rather than a run that silently proves
// nothing.

// checkUsage explains how to get a binary that can run -check.
const checkUsage = "-check needs the ownership check compiled in: rebuild nfrun with -tags maestrocheck (go build -tags maestrocheck ./examples/cmd/nfrun)"

// ownership returns proc's ownership check, nil if it has none. With -check
// it says on stderr why a parallel NF has nothing to check (lock-based: one
// shared state) and refuses a sequential run.
func (o *options) ownership(proc nic.Processor, stderr io.Writer) (*maestro.Ownership, error) {
	if _, seq := proc.(nic.Sequential); seq && o.ownCheck {
		return nil, runtimeErr(fmt.Errorf("-check: NF %s runs sequentially here: nothing to check", o.nf.Name))
	}
	op, ok := proc.(interface{ Ownership() *maestro.Ownership })
	if !ok {
		if o.ownCheck {
			fmt.Fprintf(stderr, "nfrun: -check: NF %s is lock-based (one shared state): no key has an owning core, nothing to check\n", o.nf.Name)
		}
		return nil, nil
	}
	return op.Ownership(), nil
}

// checkOwnership reports what own saw after the run: a summary line on
// stdout when clean (stderr with -json); the violations on stderr otherwise, as the run's error
// with -check and as a warning without.
func (o *options) checkOwnership(own *maestro.Ownership, stdout, stderr io.Writer) error {
	if own == nil {
		return nil
	}
	err := own.Err()
	if err == nil {
		if o.json {
			stdout = stderr // stdout holds the JSON document alone
		}
		fmt.Fprintf(stdout, "ownership check: %d keys, each touched by one core only", own.Keys())
		if n := own.Untracked(); n > 0 {
			fmt.Fprintf(stdout, " (%d accesses beyond the tracked keys unchecked)", n)
		}
		fmt.Fprintln(stdout)
		return nil
	}
	if !o.ownCheck {
		fmt.Fprintf(stderr, "nfrun: warning (run with -check to fail): %v\n", err)
		return nil
	}
	return runtimeErr(err)
}
