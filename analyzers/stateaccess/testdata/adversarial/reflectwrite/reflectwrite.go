// Package reflectwrite is an adversarial NF (issue 11, class 2): a counter updated
// through reflection, reflect.ValueOf(f).Elem().Field(0).SetUint(...), as
// generic instrumentation code does.
//
// The NF pointer is passed to code outside the package that writes through
// it: no store appears in the NF's SSA. Passing memory that outlives the
// packet to code that may write it is MAE013 (MAE006 if the analysis
// refuses the conversion to an interface). Expected: {refused:MAE013,
// refused:MAE006}.
package reflectwrite

import (
	"reflect"

	"github.com/nfmaestro/maestro/maestro"
)

// Sampler forwards one packet in 16 to the monitor port 1, the others to
// port 0.
//
//maestro:nf
type Sampler struct {
	Count uint64
}

// New returns a Sampler.
func New() *Sampler { return &Sampler{} }

// Process samples one packet.
func (s *Sampler) Process(p *maestro.Packet) maestro.Verdict {
	v := reflect.ValueOf(s).Elem().Field(0) // want MAE013|MAE006
	v.SetUint(v.Uint() + 1)
	if s.Count%16 == 0 {
		return maestro.Forward(1)
	}
	return maestro.Forward(0)
}
