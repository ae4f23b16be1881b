// Package unsafewrite is an adversarial NF (issue 11, class 2): a counter updated
// through an unsafe.Pointer conversion of the field's address,
// *(*uint64)(unsafe.Pointer(&f.raw)) += 1, the way some code reinterprets
// a byte array.
//
// The store's address is a conversion, not a field address: an analysis
// that only recognises FieldAddr stores misses it. Writing an NF field
// without //maestro:state is MAE001 (MAE013 or MAE006 if the analysis
// refuses the unsafe conversion itself). Expected: {refused:MAE001,
// refused:MAE013, refused:MAE006}.
package unsafewrite

import (
	"unsafe"

	"github.com/nfmaestro/maestro/maestro"
)

// Sampler forwards one packet in 16 to the monitor port 1, the others to
// port 0.
//
//maestro:nf
type Sampler struct {
	raw [8]byte
}

// New returns a Sampler.
func New() *Sampler { return &Sampler{} }

// Process samples one packet.
func (s *Sampler) Process(p *maestro.Packet) maestro.Verdict {
	n := (*uint64)(unsafe.Pointer(&s.raw))
	*n++ // want MAE001|MAE013|MAE006
	if *n%16 == 0 {
		return maestro.Forward(1)
	}
	return maestro.Forward(0)
}
