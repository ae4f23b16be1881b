//go:build maestrocheck

package maestro

import (
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/puzpuzpuz/xsync/v3"
)

// OwnershipCheck reports whether the runtime ownership check is compiled
// in: true in this build (tag maestrocheck).
const OwnershipCheck = true

// maxReported bounds the violations an Ownership keeps in detail; the rest
// are only counted.
const maxReported = 100

// maxOwnedKeys bounds the keys an Ownership tracks, so that a long run in
// check mode cannot exhaust memory; keys first seen beyond it are counted
// (Untracked) and not checked.
const maxOwnedKeys = 1 << 22

// ownerHook is a container's link to the ownership check: nil until Own
// registers the container.
type ownerHook[K comparable] struct{ s *ownerSlot[K] }

// touch checks that k is owned by the container's core, claiming it if no
// core touched it before. The containers call it first thing in every
// key-space operation.
func (h ownerHook[K]) touch(k K) {
	if h.s != nil {
		h.s.claim(k)
	}
}

// ownerSlot is one core's registration of one state field.
type ownerSlot[K comparable] struct {
	o     *Ownership
	keys  *xsync.MapOf[K, int32] // key -> owning core, shared by the field's cores
	core  int32
	field string
	// seen holds the keys this core was already reported for, so that a
	// violation is counted once per (key, core). Only the slot's core uses
	// it, so it needs no lock.
	seen map[K]struct{}
}

// maxSeen bounds each slot's seen set; beyond it every intruding access
// counts.
const maxSeen = 1 << 16

// newOwnerSlot registers core's container of field with o. The first core
// to register a field creates its owner map, sized for hint keys (the
// container's capacity: a key-space container sees at least that many keys
// when it fills), so that it rarely grows while packets wait.
func newOwnerSlot[K comparable](o *Ownership, core int, field string, hint int) *ownerSlot[K] {
	o.mu.Lock()
	defer o.mu.Unlock()
	var keys *xsync.MapOf[K, int32]
	switch m := o.fields[field].(type) {
	case nil:
		// The containers' own hasher: xsync's default hashes a struct
		// key field by field through the runtime's type walker, several
		// times slower for a 5-tuple.
		h := newKeyHasher[K]()
		keys = xsync.NewMapOfWithHasher[K, int32](func(k K, seed uint64) uint64 { return h.hash(&k) ^ seed },
			xsync.WithPresize(hint), xsync.WithGrowOnly())
		o.fields[field] = keys
	case *xsync.MapOf[K, int32]:
		keys = m
	default:
		// Two containers with different key types under one name: the
		// caller's bug, and the check would be meaningless.
		panic(fmt.Sprintf("maestro.Own: state field %q of %s registered with two key types", field, o.nf))
	}
	return &ownerSlot[K]{o: o, keys: keys, core: int32(core), field: field}
}

func (t *Table[K, V]) own(o *Ownership, core int, field string) {
	if t != nil {
		t.ck.s = newOwnerSlot[K](o, core, field, t.Cap())
	}
}

func (m *Map[K, V]) own(o *Ownership, core int, field string) {
	if m != nil {
		m.ck.s = newOwnerSlot[K](o, core, field, m.Cap())
	}
}

func (cm *CountMin[K]) own(o *Ownership, core int, field string) {
	if cm != nil {
		cm.ck.s = newOwnerSlot[K](o, core, field, cm.Width())
	}
}

func (s *ownerSlot[K]) claim(k K) {
	owner, ok := s.keys.Load(k) // the common case: a known key, lock-free
	if !ok {
		if s.o.keys.Load() >= maxOwnedKeys {
			s.o.untracked.Add(1)
			return
		}
		var loaded bool
		if owner, loaded = s.keys.LoadOrStore(k, s.core); !loaded {
			s.o.keys.Add(1)
			return
		}
	}
	if owner != s.core {
		s.intrude(k, owner)
	}
}

func (s *ownerSlot[K]) intrude(k K, owner int32) {
	if len(s.seen) < maxSeen {
		if _, dup := s.seen[k]; dup {
			return
		}
		if s.seen == nil {
			s.seen = map[K]struct{}{}
		}
		s.seen[k] = struct{}{}
	}
	n := s.o.violations.Add(1)
	s.o.record(n, func() Violation {
		op, site := accessSite()
		return Violation{NF: s.o.nf, Field: s.field, Key: formatKey(k), Owner: int(owner), Core: int(s.core), Op: op, Site: site}
	})
}

// maestroPrefix starts the names of this package's functions in stack
// traces.
var maestroPrefix = reflect.TypeFor[Ownership]().PkgPath() + "."

// accessSite returns the container operation being checked and the file
// and line of the code outside this package that called it: the outermost
// of the innermost run of this package's frames is the operation (Map.Delete
// calls Map.Has; Delete is what the NF called).
func accessSite() (op, site string) {
	var pcs [64]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs[:])])
	for {
		f, more := frames.Next()
		if rest, ok := strings.CutPrefix(f.Function, maestroPrefix); ok {
			op = rest
		} else if op != "" {
			return cleanOp(op), shortFile(f.File) + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return cleanOp(op), "unknown"
		}
	}
}

// cleanOp turns "(*Table[...]).Find" into "Table.Find".
func cleanOp(s string) string {
	s = strings.NewReplacer("(*", "", ")", "", "[...]", "").Replace(s)
	return s
}

// shortFile keeps the last directory and the file name of a path.
func shortFile(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i > 0 {
		if j := strings.LastIndexByte(path[:i], '/'); j >= 0 {
			return path[j+1:]
		}
	}
	return path
}

// formatKey formats a key for a violation report: types with a String
// method (FlowID: dotted addresses) with it, the rest with field names.
func formatKey(k any) string {
	switch x := k.(type) {
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprintf("%+v", k)
}

// record keeps the violation v returns in detail if fewer than maxReported were kept. The caller
// has counted it.
func (o *Ownership) record(n int64, v func() Violation) {
	if n > maxReported {
		return
	}
	d := v() // outside the lock: it walks the stack
	o.mu.Lock()
	o.reported = append(o.reported, d)
	o.mu.Unlock()
}
