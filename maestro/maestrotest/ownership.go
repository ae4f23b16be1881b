package maestrotest

import (
	"fmt"

	"github.com/nfmaestro/maestro/maestro"
)

// owned is implemented by generated shared-nothing parallel NFs (and by
// hand-written ones that want the check): their runtime ownership check,
// nil unless built with -tags maestrocheck.
type owned interface {
	Ownership() *maestro.Ownership
}

// ownershipViolations returns par's ownership-check violations as Report
// violations: the first ones in detail, then how many more. A parallel NF
// without the check (lock-based, or built without the tag) has none.
func ownershipViolations(par Parallel) []string {
	op, ok := par.(owned)
	if !ok {
		return nil
	}
	o := op.Ownership()
	n := o.Count()
	if n == 0 {
		return nil
	}
	vs := o.Violations()
	out := make([]string, 0, len(vs)+1)
	for _, v := range vs {
		out = append(out, "ownership check: "+v.String())
	}
	if n > len(vs) {
		out = append(out, fmt.Sprintf("ownership check: %d more keys touched by a core that does not own them", n-len(vs)))
	}
	return out
}
