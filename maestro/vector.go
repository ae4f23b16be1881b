package maestro

// Vector is a fixed-length array of values indexed 0..Len()-1: libVig's
// vector. Indexes out of range read as the zero value and are refused by
// Set, so an index computed from packet data can never panic. At is a read,
// Set a write.
type Vector[T any] struct {
	vals []T
	v    *view
}

// NewVector returns a vector of n zero values (n below 1 is raised to 1).
func NewVector[T any](n int) *Vector[T] {
	return &Vector[T]{vals: make([]T, max(n, 1))}
}

// View returns core's view of v for a lock-based NF (see LockGroup).
func (v *Vector[T]) View(g *LockGroup, core int) *Vector[T] {
	return &Vector[T]{vals: v.vals, v: newView(g, core)}
}

// Len returns the number of elements.
func (v *Vector[T]) Len() int { return len(v.vals) }

// At returns element i, or the zero value when i is out of range.
func (v *Vector[T]) At(i int) T {
	if uint(i) >= uint(len(v.vals)) {
		var zero T
		return zero
	}
	return v.vals[i]
}

// Set stores x at index i. It reports false, changing nothing, when i is out
// of range.
func (v *Vector[T]) Set(i int, x T) bool {
	if uint(i) >= uint(len(v.vals)) {
		return false
	}
	v.v.denyWrite()
	v.vals[i] = x
	return true
}
