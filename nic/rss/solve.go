package rss

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
)

// Why the 2-tuple and non-IP cases need no equations of their own.
//
// A NIC hashes an IPv4 packet without L4 ports (ICMP, fragments, TCP/UDP with
// their hash field off) over the first 8 input bytes with the same key. The
// Toeplitz sum only visits set input bits and each bit reads the same key
// window whatever follows it, so that hash equals the 12-byte hash of the
// same packet with both ports zero. maestro.Packet reports ports as zero
// exactly when the NIC does not hash them (Packet.HasPorts), so the 2-tuple
// hash is the 4-tuple hash of the fields the NF sees, and every constraint,
// which holds for all 4-tuples, holds for these packets too, including pairs
// where one packet is hashed with ports and the other without. Non-IP packets
// hash to 0, which is again the 4-tuple hash of all-zero fields, the values
// the NF sees for them; they all land on RETA[0].

// maxAttempts bounds the random draws from the solution space before Solve
// gives up on finding a key that spreads. Deciding whether a linear space of
// GF(2) matrices contains one of full rank is hard in general, so a search
// that fails this many times is reported infeasible; for the shapes
// constraints take (windows of one key) a draw succeeds with probability
// about 1/2 or better whenever a spreading key exists.
const maxAttempts = 256

// prefAttempts is how many further draws Solve spends after the last
// improvement looking for a key that better meets the preferences (spread of
// the 2-tuple hash, spread over each allowed field alone and over its low
// bits at every core count).
const prefAttempts = 16

// earlyCheck is the failed draw after which Solve looks for a proof that no
// draw can succeed.
const earlyCheck = 8

// MaxPorts is the largest number of ports Solve accepts.
const MaxPorts = 1024

// PortReport is what Solve proved about one port's key.
type PortReport struct {
	Port int
	// Allowed[f] is the host-order mask of the bits of Field f the queue may
	// depend on (the intersection of the port's constraints; all bits if
	// unconstrained).
	Allowed [4]uint32
	// Rank is the rank of the low RETABits hash bits as a linear map of the
	// allowed bits. Solve only returns keys with Rank == RETABits: then inputs
	// uniform over the allowed bits are uniform over the RETA.
	Rank int
	// Rank2 is the same over the allowed address bits only: RETABits means
	// packets hashed without ports (ICMP, fragments) spread too.
	Rank2 int
	// FieldRank[f] is the rank over the allowed bits of field f alone:
	// RETABits means traffic varying only in f spreads.
	FieldRank [4]int
	// Spread is the spread certificate of each field the queue may depend
	// on: from how few low bits of the field traffic reaches every core, at
	// 2 to 32 cores.
	Spread []FieldSpread
}

// Solution is a set of per-port RSS keys satisfying the constraints and
// proven to spread.
type Solution struct {
	Profile Profile
	// RETABits is b = log2(Profile.RETASize): the hash bits that pick the
	// RETA entry, the only ones constrained.
	RETABits int
	// Configs holds one configuration per port: Port, Key and Fields. Their
	// RETA is nil; WithCores and WithRETA return complete copies.
	Configs []Config
	// Ports reports, per port, what the key was proven to do.
	Ports []PortReport
	// Constraints are the constraints solved, as given.
	Constraints []Constraint
	// Dimension is the dimension over GF(2) of the space of keys (restricted
	// to the key bits that feed the RETA index of an IPv4 hash) satisfying the
	// constraints; the keys are a uniformly random member of it.
	Dimension int
	// Seed is the seed Solve was given; the same seed gives the same keys.
	Seed int64
	// RETA is the kind of RETA the keys were chosen for (the one that
	// spreads clustered traffic better; PortReport.Spread certifies it).
	// WithCores builds it.
	RETA RETAKind
}

// InfeasibleError reports that no RSS configuration satisfies the constraints
// and spreads traffic, so the NF cannot be shared-nothing.
type InfeasibleError struct {
	// Port is the port whose queue cannot spread.
	Port int
	// Reason says why, for people.
	Reason string
	// Blamed is a minimal subset of the constraints that is already
	// infeasible: dropping any one of them would make the rest feasible.
	Blamed []Constraint

	constant bool // proven by a hash bit pinned to zero, not by failed draws
}

// Error returns the reason followed by the Why of each blamed constraint.
func (e *InfeasibleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rss: no spreading RSS configuration: %s", e.Reason)
	if len(e.Blamed) > 0 {
		b.WriteString("; caused by:")
	}
	for _, c := range e.Blamed {
		why := c.Why
		if why == "" {
			why = c.String()
		}
		fmt.Fprintf(&b, "\n\t%s", why)
	}
	return b.String()
}

// Solve finds one Toeplitz key per port (0..ports-1) for NIC profile p that
// satisfies every constraint in cs on the low b = p.Bits() hash bits and
// under which every port's queue still spreads (see PortReport.Rank).
//
// Keys are drawn uniformly at random from the solution space with seed (the
// same seed gives the same keys). Draws that do not spread are rejected; among
// those that do, Solve spends a bounded number of extra draws looking for one
// under which packets hashed without ports, and traffic varying in a single
// allowed field, spread too (PortReport.Rank2 and FieldRank). Key bits that
// no IPv4 hash reads are random as well.
//
// It returns *InfeasibleError when no such keys exist (or, in pathological
// cases, none was found in maxAttempts draws), and a plain error for
// malformed input.
func Solve(p Profile, ports int, cs []Constraint, seed int64) (*Solution, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if ports < 1 || ports > MaxPorts {
		return nil, fmt.Errorf("rss: %d ports, want 1 to %d", ports, MaxPorts)
	}
	for i, c := range cs {
		if err := c.validate(ports); err != nil {
			return nil, fmt.Errorf("rss: constraint %d (%v): %w", i, c, err)
		}
	}
	sol, sys, ierr := solve(p, ports, cs, seed)
	if ierr == nil {
		// Check the answer by an independent route before anyone programs a
		// NIC with it.
		if err := CheckConfigsFor(sol.Configs, p.RETASize, cs); err != nil {
			return nil, fmt.Errorf("rss: internal error: solved keys fail the check: %w", err)
		}
		explainLimits(sol, sys)
		return sol, nil
	}
	// Blame a minimal infeasible subset: drop each constraint in turn and keep
	// it dropped if the rest is still infeasible.
	core := slices.Clone(cs)
	for i := 0; i < len(core); {
		trial := slices.Delete(slices.Clone(core), i, i+1)
		if _, _, e := solve(p, ports, trial, seed); e != nil {
			core, ierr = trial, e
		} else {
			i++
		}
	}
	ierr.Blamed = core
	return nil, ierr
}

// system is the solver's state for one set of constraints.
type system struct {
	p       Profile
	ports   int
	b       int
	span    int // relevant key bits per port: 32-b .. 126
	words   int
	allowed []inputSet
	fields  []HashFields // per port: the hash configuration chosen
	lay     []*layout    // per port: where each logical input bit is hashed

	zero   []uint64 // variables forced to zero
	rows   [][]uint64
	pivot  []int   // pivot variable of each row (its lowest set bit)
	rowOf  []int32 // variable -> row with that pivot, or -1
	isFree []uint64
	slab   []uint64 // backing store for rows
}

// newRow returns a zeroed equation, carved from a shared slab to keep the
// number of allocations low.
func (s *system) newRow() []uint64 {
	if len(s.slab) < s.words {
		s.slab = make([]uint64, 256*s.words)
	}
	row := s.slab[:s.words:s.words]
	s.slab = s.slab[s.words:]
	return row
}

// variable returns the unknown for key bit j of port.
func (s *system) variable(port, j int) int { return port*s.span + j - (32 - s.b) }

// keyVar returns the unknown for the key bit through which logical input bit
// t of port feeds hash bit k (k < b), or -1 if the port does not hash t.
func (s *system) keyVar(port, t, k int) int {
	ph := s.lay[port].phys[t]
	if ph < 0 {
		return -1
	}
	return s.variable(port, int(ph)+31-k)
}

// setVar adds variable v to the equation row (XOR: a variable that appears
// twice in one equation cancels).
func (s *system) setVar(row []uint64, v int) { row[v/64] ^= 1 << (v % 64) }

// insert adds the equation row == 0 (row is clobbered), keeping the rows in
// echelon form with distinct lowest bits.
func (s *system) insert(row []uint64) {
	for i := range row {
		row[i] &^= s.zero[i]
	}
	for {
		v := lowest(row)
		if v < 0 {
			return // implied by the equations already present
		}
		if r := s.rowOf[v]; r >= 0 {
			xorInto(row, s.rows[r])
			continue
		}
		s.rowOf[v] = int32(len(s.rows))
		s.rows = append(s.rows, row)
		s.pivot = append(s.pivot, v)
		return
	}
}

// forcedZero reports whether variable v is 0 in every solution.
func (s *system) forcedZero(v int) bool {
	if s.zero[v/64]&(1<<(v%64)) != 0 {
		return true
	}
	row := make([]uint64, s.words)
	s.setVar(row, v)
	for {
		u := lowest(row)
		if u < 0 {
			return true
		}
		r := s.rowOf[u]
		if r < 0 {
			return false
		}
		xorInto(row, s.rows[r])
	}
}

func lowest(row []uint64) int {
	for i, w := range row {
		if w != 0 {
			return 64*i + bits.TrailingZeros64(w)
		}
	}
	return -1
}

func xorInto(dst, src []uint64) {
	for i := range dst {
		dst[i] ^= src[i]
	}
}

func parity(a, b []uint64) uint64 {
	var x uint64
	for i := range a {
		x ^= a[i] & b[i]
	}
	return uint64(bits.OnesCount64(x) & 1)
}

// components returns the classes of the pairing graph of a SameQueue
// constraint: vertices 0..95 are the input bits of the packet on Port,
// 96..191 those of the packet on OtherPort, and each paired bit is an edge.
// Singletons (bits of neither side) are included.
func components(c Constraint) [][]int {
	parent := make([]int, 2*inputBits)
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	var pf, pg []int
	for k := range c.Fields {
		pf = c.Fields[k].positions(pf)
		pg = c.OtherFields[k].positions(pg)
	}
	for i := range pf {
		parent[find(pf[i])] = find(inputBits + pg[i])
	}
	byRoot := map[int][]int{}
	var roots []int
	for v := range parent {
		r := find(v)
		if _, ok := byRoot[r]; !ok {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], v)
	}
	out := make([][]int, 0, len(roots))
	for _, r := range roots {
		out = append(out, byRoot[r])
	}
	return out
}

// allowedSets intersects, per port, the input bits the constraints let the
// queue depend on.
func allowedSets(ports int, cs []Constraint) []inputSet {
	allowed := make([]inputSet, ports)
	for i := range allowed {
		allowed[i] = allInputs
	}
	for _, c := range cs {
		p, s, q, t, two := c.restricts()
		allowed[p] = allowed[p].and(s)
		if two {
			allowed[q] = allowed[q].and(t)
		}
	}
	return allowed
}

// needFields returns the fields of which a set has any bit.
func needFields(a inputSet) FieldSet {
	var need FieldSet
	for f := Field(0); f < numFields; f++ {
		if a.fieldMask(f) != 0 {
			need |= 1 << f
		}
	}
	return need
}

// build sets up the equations of cs: which key bits must be zero and which
// combinations must cancel, per port, with each port's hash fields chosen
// by the profile (Profile.FieldsFor).
func build(p Profile, ports int, cs []Constraint) (*system, *InfeasibleError) {
	b := p.Bits()
	s := &system{p: p, ports: ports, b: b, span: inputBits - 1 + b}
	s.words = (ports*s.span + 63) / 64
	s.allowed = allowedSets(ports, cs)

	// Structural infeasibility: too few bits left to index b RETA bits.
	for port, a := range s.allowed {
		if n := a.count(); n < b {
			reason := fmt.Sprintf("the queue of port %d may depend on no hashed input bit", port)
			if n > 0 {
				reason = fmt.Sprintf("the queue of port %d may depend on only %d hashed input bits (%s); a %d-entry RETA needs %d",
					port, n, describeSet(a), p.RETASize, b)
			}
			return nil, &InfeasibleError{Port: port, Reason: reason}
		}
		f := p.FieldsFor(needFields(a))
		s.fields = append(s.fields, f)
		s.lay = append(s.lay, f.layout())
	}

	// A hashed bit outside a port's allowed set has a zero column: the key
	// bits at its position in the port's input, t+32-b .. t+31, are zero.
	// Bits the port does not hash need nothing.
	s.zero = make([]uint64, s.words)
	for port, a := range s.allowed {
		for t := 0; t < inputBits; t++ {
			if !a.has(t) {
				for k := 0; k < b; k++ {
					if v := s.keyVar(port, t, k); v >= 0 {
						s.zero[v/64] |= 1 << (v % 64) // many columns share a key bit: set, never toggle
					}
				}
			}
		}
	}
	s.rowOf = make([]int32, ports*s.span)
	for i := range s.rowOf {
		s.rowOf[i] = -1
	}
	// SameQueue: for each class of paired bits, the columns (low b hash bits
	// contributed) XOR to zero. For a plain pairing that is "equal columns".
	for _, c := range cs {
		if c.Kind != SameQueue {
			continue
		}
		for _, comp := range components(c) {
			if len(comp) < 2 {
				continue // a lone bit: zero column, already in s.zero
			}
			for k := 0; k < b; k++ {
				row := s.newRow()
				for _, v := range comp {
					port, t := c.Port, v
					if v >= inputBits {
						port, t = c.OtherPort, v-inputBits
					}
					if x := s.keyVar(port, t, k); x >= 0 {
						s.setVar(row, x)
					}
				}
				s.insert(row)
			}
		}
	}
	return s, nil
}

func solve(p Profile, ports int, cs []Constraint, seed int64) (*Solution, *system, *InfeasibleError) {
	s, ierr := build(p, ports, cs)
	if ierr != nil {
		return nil, nil, ierr
	}
	b := s.b
	s.isFree = make([]uint64, s.words)
	nfree := 0
	for v := 0; v < ports*s.span; v++ {
		if s.zero[v/64]&(1<<(v%64)) == 0 && s.rowOf[v] < 0 {
			s.setVar(s.isFree, v)
			nfree++
		}
	}
	order := make([]int, len(s.rows))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return s.pivot[y] - s.pivot[x] })

	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d61657374726f))
	var best *Solution
	bestScore, bestAt := -1, 0
	x := make([]uint64, s.words)
	minRank, minPort := b+1, 0
	for attempt := 0; attempt < maxAttempts && (best == nil || attempt-bestAt <= prefAttempts); attempt++ {
		for i := range x {
			x[i] = rng.Uint64() & s.isFree[i]
		}
		for _, r := range order {
			if parity(s.rows[r], x) != 0 {
				s.setVar(x, s.pivot[r])
			}
		}
		sol := &Solution{Profile: p, RETABits: b, Constraints: cs, Dimension: nfree, Seed: seed}
		ok := true
		var reps [2][]PortReport
		var scores [2]int
		perfects := [2]bool{true, true}
		for port := 0; port < ports; port++ {
			key := make([]byte, p.KeyLen)
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			for j := 32 - b; j < inputBits+31; j++ {
				v := s.variable(port, j)
				mask := byte(0x80 >> (j % 8))
				if x[v/64]&(1<<(v%64)) != 0 {
					key[j/8] |= mask
				} else {
					key[j/8] &^= mask
				}
			}
			for kind := range reps {
				rep, sc, pf := s.report(port, keyPrefix(key), RETAKind(kind))
				if kind == 0 && rep.Rank < b {
					ok = false
					if rep.Rank < minRank {
						minRank, minPort = rep.Rank, port
					}
				}
				scores[kind] += sc
				perfects[kind] = perfects[kind] && pf
				reps[kind] = append(reps[kind], rep)
			}
			sol.Configs = append(sol.Configs, Config{Port: port, Key: key, Fields: s.fields[port]})
		}
		kind := RETARoundRobin
		if scores[RETABlocks] > scores[RETARoundRobin] {
			kind = RETABlocks
		}
		sol.RETA, sol.Ports = kind, reps[kind]
		score, perfect := scores[kind], perfects[kind]
		if !ok {
			// A few failures in a row usually mean the constraints pin a
			// hash bit; that is exact and cheap to prove, so stop early.
			if attempt == earlyCheck {
				if ie := s.diagnose(minPort, minRank); ie.constant {
					return nil, nil, ie
				}
			}
			continue
		}
		if perfect {
			return sol, s, nil
		}
		if score > bestScore {
			best, bestScore, bestAt = sol, score, attempt
		}
	}
	if best != nil {
		return best, s, nil
	}
	return nil, nil, s.diagnose(minPort, minRank)
}

// report computes the ranks of a port's key; score counts the preferences
// met, weighted so that spread of clustered traffic (the low bits of each
// field, at every core count) dominates, and perfect says whether all that
// could apply did, with every field's low ClusterBits bits reaching every
// core (or its lowest allowed bits, where those start higher).
func (s *system) report(port int, k key128, kind RETAKind) (rep PortReport, score int, perfect bool) {
	a, l := s.allowed[port], s.lay[port]
	rep.Port = port
	for f := Field(0); f < numFields; f++ {
		rep.Allowed[f] = a.fieldMask(f)
	}
	rep.Rank = rankOver(k, l, a, s.b)
	perfect = true
	pref := func(set inputSet) int {
		r := rankOver(k, l, set, s.b)
		if set.count() >= s.b {
			if r == s.b {
				score += 1 << 16
			} else {
				perfect = false
			}
		}
		return r
	}
	rep.Rank2 = pref(a.and(ipInputs))
	for f := Field(0); f < numFields; f++ {
		var fs inputSet
		for m := 0; m < f.Width(); m++ {
			fs.add(f.inputBit(m))
		}
		rep.FieldRank[f] = pref(a.and(fs))
		if rep.Allowed[f] == 0 {
			continue
		}
		sp := fieldSpread(k, l, f, rep.Allowed[f], min(s.b, SpreadBits), s.b, kind)
		// Clustered traffic: reaching every core from the low 8 bits counts
		// most, then from the low 16, then the fewer bits the better.
		best := bestSpread(f, rep.Allowed[f], min(s.b, SpreadBits))
		for j, m := range sp.MinBits {
			switch {
			case m == 0:
				perfect = false
				continue
			case m <= 8:
				score += 1 << 12
			case m <= 16:
				score += 1 << 8
			}
			score += f.Width() - m
			// Good enough: clustered traffic (the low ClusterBits bits)
			// spreads, or, where the allowed bits start higher, the
			// fewest bits possible do.
			if m > max(ClusterBits, best.MinBits[j]) {
				perfect = false
			}
		}
		rep.Spread = append(rep.Spread, sp)
	}
	return rep, score, perfect
}

// rankOver returns the rank over GF(2) of the low b hash bits as a linear map
// of the logical input bits in set, under the key whose prefix is k and the
// layout l.
func rankOver(k key128, l *layout, set inputSet, b int) int {
	var basis [32]uint32 // basis[i] has its highest set bit at i
	mask := uint32(uint64(1)<<b - 1)
	rank := 0
	for t := 0; t < inputBits && rank < b; t++ {
		if !set.has(t) {
			continue
		}
		if addBasis(&basis, l.col(k, t)&mask) {
			rank++
		}
	}
	return rank
}

// addBasis reduces col against basis and adds what is left; it reports
// whether col was independent.
func addBasis(basis *[32]uint32, col uint32) bool {
	for col != 0 {
		h := bits.Len32(col) - 1
		if basis[h] == 0 {
			basis[h] = col
			return true
		}
		col ^= basis[h]
	}
	return false
}

// diagnose explains why no draw spread port.
func (s *system) diagnose(port, rank int) *InfeasibleError {
	a := s.allowed[port]
	var constant []int
	for k := 0; k < s.b; k++ {
		allZero := true
		for t := 0; t < inputBits && allZero; t++ {
			if v := s.keyVar(port, t, k); a.has(t) && v >= 0 && !s.forcedZero(v) {
				allZero = false
			}
		}
		if allZero {
			constant = append(constant, k)
		}
	}
	reason := fmt.Sprintf("no key found in %d draws from the solution space under which the low %d hash bits of port %d have rank %d over its allowed bits (%s); best rank %d",
		maxAttempts, s.b, port, s.b, describeSet(a), rank)
	if len(constant) > 0 {
		reason = fmt.Sprintf("the constraints force hash bit(s) %v of port %d to ignore every bit it may depend on (%s), so its queue cannot use all %d RETA index bits",
			constant, port, describeSet(a), s.b)
	}
	return &InfeasibleError{Port: port, Reason: reason, constant: len(constant) > 0}
}

// describeSet formats an input set as the Bits it covers.
func describeSet(a inputSet) string {
	var parts []string
	for f := Field(0); f < numFields; f++ {
		if m := a.fieldMask(f); m != 0 {
			parts = append(parts, Bits{f, m}.String())
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// Check verifies exactly, by linear algebra on the keys, that keys (one per
// port, at least MinKeyLen bytes each) satisfy every constraint for a RETA of
// retaSize entries (a power of two) when every port hashes the whole
// 4-tuple: the low log2(retaSize) hash bits obey each DependsOnly and
// SameQueue. It does not check spread. Backends can use it on keys read
// from a plan; CheckConfigsFor also takes each port's hash fields.
func Check(keys [][]byte, retaSize int, cs []Constraint) error {
	cfgs := make([]Config, len(keys))
	for i, k := range keys {
		cfgs[i] = Config{Port: i, Key: k, Fields: HashIPv4All}
	}
	return CheckConfigsFor(cfgs, retaSize, cs)
}

// CheckConfigsFor is Check for configurations cfgs[i] of port i, each
// hashing the fields its Fields selects (HashFields.Hashed).
func CheckConfigsFor(cfgs []Config, retaSize int, cs []Constraint) error {
	if retaSize < 2 || retaSize&(retaSize-1) != 0 {
		return fmt.Errorf("rss: RETA size %d is not a power of two >= 2", retaSize)
	}
	ks := make([]key128, len(cfgs))
	ls := make([]*layout, len(cfgs))
	for i, c := range cfgs {
		if len(c.Key) < MinKeyLen {
			return fmt.Errorf("rss: port %d: key is %d bytes, need at least %d", i, len(c.Key), MinKeyLen)
		}
		ks[i] = keyPrefix(c.Key)
		ls[i] = c.Fields.layout()
	}
	mask := uint32(retaSize - 1)
	for _, c := range cs {
		if err := c.validate(len(cfgs)); err != nil {
			return fmt.Errorf("rss: constraint %v: %w", c, err)
		}
		switch c.Kind {
		case DependsOnly:
			a := setOf(c.Fields)
			for t := 0; t < inputBits; t++ {
				if !a.has(t) && ls[c.Port].col(ks[c.Port], t)&mask != 0 {
					return fmt.Errorf("rss: %v violated: the queue of port %d depends on input bit %d (%s)", c, c.Port, t, describeBit(t))
				}
			}
		case SameQueue:
			for _, comp := range components(c) {
				var sum uint32
				for _, v := range comp {
					if v < inputBits {
						sum ^= ls[c.Port].col(ks[c.Port], v)
					} else {
						sum ^= ls[c.OtherPort].col(ks[c.OtherPort], v-inputBits)
					}
				}
				if sum&mask != 0 {
					return fmt.Errorf("rss: %v violated at input bit %d (%s)", c, comp[0]%inputBits, describeBit(comp[0]%inputBits))
				}
			}
		}
	}
	return nil
}

// describeBit names input bit t, e.g. "SrcIP bit 31".
func describeBit(t int) string {
	for f := numFields - 1; f >= 0; f-- {
		if t >= Field(f).offset() {
			return fmt.Sprintf("%v bit %d", Field(f), Field(f).offset()+Field(f).Width()-1-t)
		}
	}
	return fmt.Sprintf("bit %d", t)
}

// WithCores returns the per-port configurations for cores queues, all ports
// sharing one RETA of the profile's size and the solution's kind (s.RETA),
// ready for Queue.
func (s *Solution) WithCores(cores int) ([]Config, error) {
	return ForCoresKind(s.Configs, s.RETA, s.Profile.RETASize, cores)
}

// WithRETA returns the per-port configurations with the given RETA (e.g. from
// Balance), shared by all ports; each Config gets its own copy.
func (s *Solution) WithRETA(reta []uint16) ([]Config, error) {
	if len(reta) != s.Profile.RETASize {
		return nil, fmt.Errorf("rss: RETA has %d entries, profile %q needs %d", len(reta), s.Profile.Name, s.Profile.RETASize)
	}
	return withRETA(s.Configs, reta)
}

// String explains the solution for people: the profile, each port's key, what
// its queue may depend on and the ranks proven.
func (s *Solution) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "RSS for %s: %d-byte keys, %d-entry RETA (low %d hash bits), %d constraints, solution space dimension %d, seed %d\n",
		s.Profile.Name, s.Profile.KeyLen, s.Profile.RETASize, s.RETABits, len(s.Constraints), s.Dimension, s.Seed)
	for i, r := range s.Ports {
		var allowed inputSet
		for f := Field(0); f < numFields; f++ {
			for m := 0; m < f.Width(); m++ {
				if r.Allowed[f]&(1<<m) != 0 {
					allowed.add(f.inputBit(m))
				}
			}
		}
		fmt.Fprintf(&b, "port %d: key %s\n  hash fields %v (hashes %v); queue depends on %s; rank %d/%d", r.Port, s.Configs[i].KeyHex(), s.Configs[i].Fields, s.Configs[i].Fields.Hashed(), describeSet(allowed), r.Rank, s.RETABits)
		if r.Rank2 < s.RETABits {
			fmt.Fprintf(&b, "; packets without L4 ports do not spread fully (rank %d)", r.Rank2)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// IsInfeasible reports whether err is (or wraps) an *InfeasibleError.
func IsInfeasible(err error) bool {
	var ie *InfeasibleError
	return errors.As(err, &ie)
}
