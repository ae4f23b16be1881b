package rss

import (
	"fmt"
	"slices"
	"strings"
)

// Spread of clustered traffic.
//
// Rank over a whole field says that uniformly random values of it spread.
// Real traffic is clustered: a /24 of clients, one server's many ports. With
// a round-robin RETA over 2^j cores (j <= b) the queue is the low j hash
// bits (with RETABlocks, the high j of the b index bits), so traffic in
// which only the low L bits of field f vary reaches every core exactly when
// those j hash bits, as a linear map of the L input bits, have rank j. FieldSpread records, per core count, the least
// such L: the longest prefix that still reaches every core.

// SpreadBits is the largest number of queue bits the certificate covers:
// 2^5 = 32 cores.
const SpreadBits = 5

// ClusterBits is the width of the clustered traffic the solver insists on
// spreading where the constraints allow: the low 8 bits of a field (a /24,
// or 256 ports).
const ClusterBits = 8

// FieldSpread is the spread certificate of one field on one port.
type FieldSpread struct {
	Field Field
	// MinBits[j-1] is the least L such that traffic varying only in the low
	// L bits of Field (a /(width-L) prefix) reaches all 2^j cores of the
	// solution's RETA (Solution.RETA); 0 if no variation of the field alone
	// does.
	MinBits [SpreadBits]int
	// Limit says why traffic varying in the low ClusterBits bits does not
	// reach every core at some core count, naming the constraint; "" when
	// it does at every count.
	Limit string
}

// Prefix returns the prefix length that still reaches all 2^j cores
// (width - MinBits[j-1]), or -1 if none does.
func (fs FieldSpread) Prefix(j int) int {
	if j < 1 || j > SpreadBits || fs.MinBits[j-1] == 0 {
		return -1
	}
	return fs.Field.Width() - fs.MinBits[j-1]
}

// Clustered reports whether traffic varying only in the low ClusterBits bits
// of the field reaches every core at 2 to 2^j cores.
func (fs FieldSpread) Clustered(j int) bool {
	for i := 1; i <= j && i <= SpreadBits; i++ {
		if m := fs.MinBits[i-1]; m == 0 || m > ClusterBits {
			return false
		}
	}
	return true
}

// String formats the certificate, e.g. "DstIP: 2 cores /31, 4 /30, 8 /29,
// 16 /28, 32 /27".
func (fs FieldSpread) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v:", fs.Field)
	for j := 1; j <= SpreadBits; j++ {
		sep := ","
		if j == 1 {
			sep = ""
		}
		cores := fmt.Sprintf(" %d", 1<<j)
		if j == 1 {
			cores += " cores"
		}
		if p := fs.Prefix(j); p >= 0 {
			fmt.Fprintf(&b, "%s%s /%d", sep, cores, p)
		} else {
			fmt.Fprintf(&b, "%s%s never", sep, cores)
		}
	}
	if fs.Limit != "" {
		fmt.Fprintf(&b, "; %s", fs.Limit)
	}
	return b.String()
}

// fieldSpread computes the certificate of field f (allowed bits mask) under
// key k and layout l, for 2 to 2^J cores and a RETA of 2^b entries of the
// given kind.
func fieldSpread(k key128, l *layout, f Field, mask uint32, J, b int, kind RETAKind) FieldSpread {
	fs := FieldSpread{Field: f}
	var basis [SpreadBits][32]uint32
	var rank [SpreadBits]int
	done := 0
	for m := 0; m < f.Width() && done < J; m++ {
		if mask&(1<<m) == 0 {
			continue
		}
		col := l.col(k, f.inputBit(m))
		for j := 1; j <= J; j++ {
			if rank[j-1] < j && addBasis(&basis[j-1], col>>kind.shift(b, j)&(1<<j-1)) {
				rank[j-1]++
				if rank[j-1] == j {
					fs.MinBits[j-1] = m + 1
					done++
				}
			}
		}
	}
	return fs
}

// bestSpread is the certificate no key can beat: all 2^j cores from the
// lowest j allowed bits.
func bestSpread(f Field, mask uint32, J int) FieldSpread {
	fs := FieldSpread{Field: f}
	n := 0
	for m := 0; m < f.Width() && n < J; m++ {
		if mask&(1<<m) != 0 {
			n++
			fs.MinBits[n-1] = m + 1
		}
	}
	return fs
}

// explainLimits fills FieldSpread.Limit for every field of sol whose low
// ClusterBits bits do not reach every core at some count up to 2^J, naming
// the constraints responsible where it can prove them.
func explainLimits(sol *Solution, s *system) {
	J := min(s.b, SpreadBits)
	for pi := range sol.Ports {
		rep := &sol.Ports[pi]
		for si := range rep.Spread {
			fs := &rep.Spread[si]
			j := 0 // the fewest queue bits that fail
			for i := 1; i <= J; i++ {
				if m := fs.MinBits[i-1]; m == 0 || m > ClusterBits {
					j = i
					break
				}
			}
			if j == 0 {
				continue
			}
			fs.Limit = limitReason(sol, s, rep.Port, fs.Field, j)
		}
	}
}

// limitReason says why traffic varying in the low ClusterBits bits of field
// f on port cannot reach 2^j cores.
func limitReason(sol *Solution, s *system, port int, f Field, j int) string {
	low := uint32(1)<<ClusterBits - 1
	where := fmt.Sprintf("the low %d bits of %v do not reach %d cores (%s RETA)", ClusterBits, f, 1<<j, sol.RETA)
	// Too few allowed bits: the constraints that exclude low bits of f.
	if n := popcount32(s.allowed[port].fieldMask(f) & low); n < j {
		var blamed []string
		for _, c := range sol.Constraints {
			if excludesLow(c, port, f, low) {
				blamed = append(blamed, constraintName(c))
			}
		}
		return fmt.Sprintf("%s: the queue may depend on only %d of them, because of %s", where, n, strings.Join(blamed, "; "))
	}
	if k := pinnedHashBit(s, sol.RETA, port, f, low, j); k >= 0 {
		// The usual cause: constraints that make the port's queue ignore
		// bits it hashes, pinning the key bits those share with f's low
		// bits. Failing that, constraints whose removal alone frees them.
		var blamed []string
		hashed := s.lay[port].set
		for _, c := range sol.Constraints {
			if ignoresHashed(c, port, hashed) {
				blamed = append(blamed, constraintName(c))
			}
		}
		for i, c := range sol.Constraints {
			if len(blamed) > 0 {
				break
			}
			rest := slices.Delete(slices.Clone(sol.Constraints), i, i+1)
			t, err := build(sol.Profile, len(sol.Ports), rest)
			if err == nil && pinnedHashBit(t, sol.RETA, port, f, low, j) < 0 {
				blamed = append(blamed, constraintName(c))
			}
		}
		why := "the constraints together"
		if len(blamed) > 0 {
			why = strings.Join(blamed, "; ")
		}
		hashes := "the port hashes " + s.lay[port].set.String()
		if !sol.Profile.Select {
			hashes += fmt.Sprintf(" (NIC profile %s cannot narrow the hash input)", sol.Profile.Name)
		}
		return fmt.Sprintf("%s: every key meeting the constraints makes hash bit %d ignore them (%s), because of %s", where, k, hashes, why)
	}
	return fmt.Sprintf("%s: no such key found among the %d draws", where, maxAttempts)
}

// pinnedHashBit returns a hash bit of the queue with 2^j cores (a RETA of
// the given kind) that every key of s makes ignore the allowed bits of f
// within low on port, or -1 if there is none.
func pinnedHashBit(s *system, kind RETAKind, port int, f Field, low uint32, j int) int {
	a := s.allowed[port]
	for k := kind.shift(s.b, j); k < kind.shift(s.b, j)+j; k++ {
		pinned := true
		for m := 0; m < f.Width() && pinned; m++ {
			t := f.inputBit(m)
			if low&(1<<m) == 0 || !a.has(t) {
				continue
			}
			if v := s.keyVar(port, t, k); v >= 0 && !s.forcedZero(v) {
				pinned = false
			}
		}
		if pinned {
			return k
		}
	}
	return -1
}

// ignoresHashed reports whether c makes port's queue ignore some bit of the
// fields the port hashes.
func ignoresHashed(c Constraint, port int, hashed FieldSet) bool {
	p, set, q, other, two := c.restricts()
	check := func(set inputSet) bool {
		for f := Field(0); f < numFields; f++ {
			if hashed.Has(f) && set.fieldMask(f) != f.FullMask() {
				return true
			}
		}
		return false
	}
	return p == port && check(set) || two && q == port && check(other)
}

// excludesLow reports whether c forbids port's queue to depend on some bit
// of f within low.
func excludesLow(c Constraint, port int, f Field, low uint32) bool {
	p, set, q, other, two := c.restricts()
	if p == port && set.fieldMask(f)&low != low {
		return true
	}
	return two && q == port && other.fieldMask(f)&low != low
}

// constraintName names c for a limit: the constraint itself and the first
// of its reasons (the analyzer joins one per access with "; ").
func constraintName(c Constraint) string {
	why, rest, more := strings.Cut(c.Why, "; ")
	if more && rest != "" {
		why += "; ..."
	}
	c.Why = why
	return c.String()
}

func popcount32(x uint32) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// SpreadCertificate formats, for people, each port's hashed fields and the
// spread certificate of every field its queue may depend on: the prefix
// lengths at which traffic varying only in that field still reaches every
// core of the solution's RETA (s.RETA), at 2 to 32 cores, and why not
// where it cannot.
func (s *Solution) SpreadCertificate() string {
	var b strings.Builder
	fmt.Fprintf(&b, "RETA %s, %d entries\n", s.RETA, s.Profile.RETASize)
	for i, r := range s.Ports {
		fmt.Fprintf(&b, "port %d hashes %v (%v)\n", r.Port, s.Configs[i].Fields.Hashed(), s.Configs[i].Fields)
		for _, fs := range r.Spread {
			fmt.Fprintf(&b, "  %v\n", fs)
		}
	}
	return b.String()
}
