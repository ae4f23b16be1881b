package shard

import (
	"errors"
	"fmt"
)

// Pad is the number of padding bytes kept between the values of two
// different cores (and between the first and last value and whatever the Go
// allocator places next to them). 128 bytes, not 64, defeats the adjacent-line
// prefetcher as well as plain false sharing: with at least Pad bytes between
// two values, no 128-byte-aligned block of memory holds bytes of both.
const Pad = 128

// MaxCores bounds the number of cores accepted by the constructors. It is far
// above any real machine (DPDK's default RTE_MAX_LCORE is 128) and only exists
// so that a corrupted configuration yields an error instead of an enormous
// allocation.
const MaxCores = 4096

// ErrCores is returned (wrapped) by constructors given a core count outside
// [1, MaxCores].
var ErrCores = errors.New("shard: core count out of range")

func checkCores(cores int) error {
	if cores < 1 || cores > MaxCores {
		return fmt.Errorf("%w: %d not in [1, %d]", ErrCores, cores, MaxCores)
	}
	return nil
}

// padded places Pad bytes after v. In a slice of padded values every v is
// followed by Pad bytes before the next v starts, whatever the size of T: a
// generic type cannot round its own size up to a multiple of 128 (the size of
// T is not a constant), and trailing padding needs no unsafe code.
type padded[T any] struct {
	v T
	_ [Pad]byte
}

// PerCore holds one value of type T per core, each in its own padded slot.
//
// Slot i must be read and written only by core i (the goroutine acting as
// that core); PerCore itself performs no synchronization. Reading every slot
// with [PerCore.Each] is only safe while the owners are quiescent (before the
// workers start, after they stop, or under a lock they all respect).
type PerCore[T any] struct {
	// slots has one extra, never used element at index 0 of the backing
	// array (see NewPerCore), so slot 0 is preceded by Pad bytes too.
	slots []padded[T]
}

// NewPerCore returns a PerCore with one slot per core. If init is not nil it
// is called once per core, in core order, and its result stored in that
// core's slot; otherwise every slot holds the zero value of T. It returns an
// error wrapping [ErrCores] if cores is not in [1, MaxCores].
func NewPerCore[T any](cores int, init func(core int) T) (*PerCore[T], error) {
	if err := checkCores(cores); err != nil {
		return nil, err
	}
	// The element before the first slot serves only as leading padding:
	// without it, the allocator's previous object could share a 128-byte
	// block with core 0's value.
	slots := make([]padded[T], cores+1)[1:]
	if init != nil {
		for i := range slots {
			slots[i].v = init(i)
		}
	}
	return &PerCore[T]{slots: slots}, nil
}

// Cores returns the number of slots.
func (p *PerCore[T]) Cores() int { return len(p.slots) }

// Get returns a pointer to core's value, or nil if core is not in
// [0, Cores()). The pointer stays valid for the life of p; only core may use
// it while the workers run.
func (p *PerCore[T]) Get(core int) *T {
	if uint(core) >= uint(len(p.slots)) {
		return nil
	}
	return &p.slots[core].v
}

// Each calls f for every core in increasing order with a pointer to that
// core's value. It must not run concurrently with the owners' accesses.
func (p *PerCore[T]) Each(f func(core int, v *T)) {
	for i := range p.slots {
		f(i, &p.slots[i].v)
	}
}
