package maestro

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Ownership is the runtime ownership check (build tag maestrocheck) of one
// shared-nothing parallel NF: the owning core of every container key it
// touched, and the violations seen. Build one per parallel NF with
// NewOwnership and register each core's state containers with Own; the
// generated NewParallel does both and exposes the result as Ownership().
// Its methods are safe for concurrent use and for a nil receiver (no check
// compiled in).
//
// A shared-nothing parallel NF is right only if RSS sends every packet that
// may touch a container key to the one core whose state holds that key. The
// analyzer proves this statically; the ownership check verifies it on real
// traffic, as defence in depth. Built with
//
//	go build -tags maestrocheck ...   (or go test -tags maestrocheck ...)
//
// a generated shared-nothing NF records, for every key its written state
// containers are asked about (Table Find, Has, Get, Insert, Remove; Map Get,
// Has, Put, Delete; CountMin Estimate, Add), the core that touched it first.
// When another core later touches the same key, that is a violation: the
// plan or the RSS configuration is wrong, and the parallel NF may already
// differ from the sequential one (or will, on other traffic). Each violation
// names the NF, the state field, the key, the owning and the intruding core,
// and the line of NF code that made the access.
//
// What is not checked, and why:
//
//   - index-space operations (Table At, Key, Set, Refresh, Valid,
//     RemoveIndex; Vector; Allocator): their indexes are per-core by
//     construction (a NAT's allocated ports differ between cores on
//     purpose), so equal indexes on two cores mean nothing;
//   - Expire: it touches no key that a packet chose;
//   - state the packet path only reads (the plan's read-only fields, such
//     as a static MAC table): every core holds the same copy, so any core
//     may read any key; the generated code does not register those fields;
//   - lock-based NFs: they have one shared state, so there is no owner to
//     check, and their generated code registers nothing.
//
// Without the tag, NewOwnership returns nil, Own does nothing and the
// containers' hooks sit behind a constant-false branch that the compiler
// deletes before it decides what to inline: the normal build compiles to
// the same instructions as without the check. With it, every key operation
// costs one concurrent map lookup (xsync.MapOf) and the first touch of each
// key a store and an allocation; the map keeps every key seen, up to 4Mi
// (later keys go unchecked and are counted by Untracked), so check mode is
// for tests and debugging runs, not for production.
//
// Violations are collected, not panicked on: the caller decides how to fail
// (package maestrotest turns them into test failures, nfrun -check into a
// non-zero exit status). Each is counted once per (key, intruding core);
// the first 100 are kept in detail.
type Ownership struct {
	nf string

	mu       sync.Mutex
	fields   map[string]any // field name -> *xsync.MapOf[K, int32] (build tag maestrocheck)
	reported []Violation

	violations atomic.Int64
	keys       atomic.Int64
	untracked  atomic.Int64
}

// NewOwnership returns the ownership check of the parallel NF called nf
// (the //maestro:nf type's name), or nil when the check is not compiled in
// (build without the tag maestrocheck).
func NewOwnership(nf string) *Ownership {
	if !OwnershipCheck {
		return nil
	}
	return &Ownership{nf: nf, fields: map[string]any{}}
}

// Ownable is implemented by the state containers (Map, Table, Vector,
// Allocator, CountMin) and only by them; Own takes one.
type Ownable interface {
	own(o *Ownership, core int, field string)
}

// Own registers c, the container of state field field in core's instance
// of a shared-nothing parallel NF, with o: from now on every key c is asked
// about is checked against the core that owns it. Containers of the same
// field on different cores must be registered with the same field name. Own
// does nothing when o is nil (the check is not compiled in) and for
// index-space containers (Vector, Allocator). Register containers before
// the NF processes packets; a container belongs to one Ownership.
func Own(c Ownable, o *Ownership, core int, field string) {
	if o == nil || c == nil {
		return
	}
	c.own(o, core, field)
}

// Vector and Allocator are index-space containers: their indexes are chosen
// by the NF per core, not taken from packets, so there is nothing to own.
func (*Vector[T]) own(*Ownership, int, string) {}
func (*Allocator) own(*Ownership, int, string) {}

// Violation is one core touching a container key that another core owns.
type Violation struct {
	// NF and Field name the NF type and the state field.
	NF, Field string
	// Key is the key, formatted.
	Key string
	// Owner is the core that touched the key first; Core the one that
	// touched it later.
	Owner, Core int
	// Op is the container operation, e.g. "Table.Find".
	Op string
	// Site is the file:line of the NF code that called the container.
	Site string
}

// String formats v on one line.
func (v Violation) String() string {
	return fmt.Sprintf("%s.%s: key %s owned by core %d touched by core %d at %s (%s)", v.NF, v.Field, v.Key, v.Owner, v.Core, v.Site, v.Op)
}

// NF returns the name of the NF o checks ("" for nil).
func (o *Ownership) NF() string {
	if o == nil {
		return ""
	}
	return o.nf
}

// Count returns the number of violations: distinct (key, intruding core)
// pairs, each counted on its first access.
func (o *Ownership) Count() int {
	if o == nil {
		return 0
	}
	return int(o.violations.Load())
}

// Violations returns the first violations in detail (at most 100), in the
// order they were recorded.
func (o *Ownership) Violations() []Violation {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Violation(nil), o.reported...)
}

// Keys returns the number of keys whose owner o records.
func (o *Ownership) Keys() int {
	if o == nil {
		return 0
	}
	return int(o.keys.Load())
}

// Untracked returns the number of key accesses that went unchecked because
// o already tracked its maximum number of keys (4Mi).
func (o *Ownership) Untracked() int {
	if o == nil {
		return 0
	}
	return int(o.untracked.Load())
}

// Err returns nil when no core touched a key owned by another, and
// otherwise an error listing the first violations (at most 10), meant to
// be reported loudly.
func (o *Ownership) Err() error {
	n := o.Count()
	if n == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "maestro ownership check: %s: %d container keys touched by a core that does not own them (the parallel NF's plan or RSS configuration is wrong)", o.nf, n)
	vs := o.Violations()
	for i, v := range vs {
		if i == 10 {
			break
		}
		b.WriteString("\n  " + v.String())
	}
	if n > min(len(vs), 10) {
		fmt.Fprintf(&b, "\n  ... and %d more", n-min(len(vs), 10))
	}
	return errors.New(b.String())
}
