//go:build !maestrocheck

package maestro

// OwnershipCheck reports whether the runtime ownership check is compiled
// in: false in this build (rebuild with -tags maestrocheck to enable it).
const OwnershipCheck = false

// ownerHook is zero-size and its touch an empty function the compiler
// inlines away: without the tag, the containers' hooks cost nothing.
type ownerHook[K comparable] struct{}

func (ownerHook[K]) touch(K) {}

func (*Table[K, V]) own(*Ownership, int, string) {}
func (*Map[K, V]) own(*Ownership, int, string)   {}
func (*CountMin[K]) own(*Ownership, int, string) {}
