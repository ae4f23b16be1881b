// Package gen turns an NF's sharding plan into Go code: a typed parallel NF
// (shared-nothing or lock-based) with its RSS configuration, written next to
// the NF as <nf>_maestro_gen.go. The command gen/cmd/maestrogen, run by
// //go:generate in an NF package, is a thin wrapper around Main.
//
// The pipeline: the analyzer (analyzers/stateaccess, through the same
// go/analysis checker that go vet uses) produces a Plan per //maestro:nf
// type; Decide picks the strategy, solving the plan's RSS constraints with
// nic/rss (shared-nothing needs a spreading solution, else the NF falls
// back to locks with the solver's blame as reasons); Source emits the file.
package gen

import (
	"errors"
	"fmt"
	"go/types"
	"slices"
	"strings"

	"github.com/nfmaestro/maestro/nic/rss"
)

// Defaults of Options.
const (
	// DefaultNIC is the profile keys are solved for: the Intel E810's
	// 52-byte key and 512-entry RETA. A 512-entry RETA spreads up to 512
	// cores evenly enough and is what the high-end NICs (E810, X710, CX-5)
	// have; keys for it also work on the software backend, which accepts
	// any profile.
	DefaultNIC = "e810"
	// DefaultSeed seeds the solver so that generation is deterministic.
	DefaultSeed = 1
	// DefaultCores is the core count whose RETA maestrogen -json prints.
	DefaultCores = 16
)

// Options control generation.
type Options struct {
	// Strategy is Auto (default when empty), SharedNothing or Locks.
	// Forcing SharedNothing on an NF that cannot be sharded is an error.
	Strategy string
	// NIC is the rss profile name (default DefaultNIC).
	NIC string
	// Seed is the solver seed (0 means DefaultSeed).
	Seed int64
	// Cores is the core count of the RETA in the printed plan (0 means
	// DefaultCores). Generated code builds its RETA for the cores it is
	// given at run time.
	Cores int
}

func (o Options) withDefaults() Options {
	if o.Strategy == "" {
		o.Strategy = Auto
	}
	if o.NIC == "" {
		o.NIC = DefaultNIC
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Cores == 0 {
		o.Cores = DefaultCores
	}
	return o
}

// What Plan.PerCoreCapacity says for each strategy.
const (
	// CapacitySplit is the shared-nothing choice: split by default, full on
	// request.
	CapacitySplit = "split by default (NewParallel): each core's Table, Allocator and CountMin get the configured capacity divided by the cores, rounded up to a power of two (maestro.BuildPerCore), Map and Vector their full size; " +
		"results then differ from the sequential NF's once a container fills on a core. NewParallelFull gives every core the full capacity instead: a core's containers then fill only when the sequential NF's do, for cores times the memory"
	// CapacityLocks is the lock-based NF's: one state, as the sequential
	// NF's.
	CapacityLocks = "one shared state at the configured capacity, as the sequential NF's"
)

// EstimatesPerCore is what a shared-nothing plan says of a CountMin marked
// //maestro:state per-core-estimates: the second documented way (after
// capacity) its results may differ from the sequential NF's, and one the
// author asked for.
const EstimatesPerCore = "per core (//maestro:state per-core-estimates): each core's sketch counts only the keys its packets carry, so an estimate adds collisions with that core's keys only: " +
	"it may be lower than the sequential NF's, never below the key's own count, and verdicts that depend on it may then differ"

// Decision is a plan with its strategy decided and its RSS solved.
type Decision struct {
	// Plan is a copy of the input plan with Strategy, Reasons,
	// PerCoreCapacity and RSS filled.
	Plan *Plan
	// Keys are the per-port configurations (no RETA).
	Keys []rss.Config
	// Profile is the NIC profile solved for.
	Profile rss.Profile
	// Solution is the solver's answer the keys come from.
	Solution *rss.Solution
}

// numPorts is the number of ports to configure: every port the plan names,
// and at least two (the catalog's LAN and WAN), so a stateless NF still
// gets a configuration for each of its ports.
func numPorts(p *Plan) int {
	n := 2
	for _, port := range p.Ports {
		n = max(n, port+1)
	}
	for _, c := range p.Constraints {
		n = max(n, c.Port+1, c.OtherPort+1)
	}
	return n
}

// Decide chooses the strategy of plan p under opts and solves its RSS keys.
// Shared-nothing needs the analyzer's approval and a spreading solution of
// the plan's constraints; otherwise the NF uses locks, with the solver's
// blame added to the reasons. A lock-based NF gets keys solved without
// constraints: any spreading key is correct for it.
func Decide(p *Plan, opts Options) (*Decision, error) {
	opts = opts.withDefaults()
	prof, err := rss.LookupProfile(opts.NIC)
	if err != nil {
		return nil, err
	}
	switch opts.Strategy {
	case Auto, SharedNothing, Locks:
	default:
		return nil, fmt.Errorf("unknown strategy %q (want %s, %s or %s)", opts.Strategy, Auto, SharedNothing, Locks)
	}
	q := *p
	q.Reasons = slices.Clone(p.Reasons)
	if len(q.ConstraintText) == 0 {
		for _, c := range p.Constraints {
			q.ConstraintText = append(q.ConstraintText, c.String())
		}
	}
	ports := numPorts(p)
	var sol *rss.Solution
	strategy := p.Strategy
	switch {
	case opts.Strategy == Locks && strategy == SharedNothing:
		strategy = Locks
		q.Reasons = append(q.Reasons, Reason{Code: "forced", Message: "maestrogen -strategy locks"})
	case opts.Strategy == SharedNothing && strategy != SharedNothing:
		return nil, fmt.Errorf("%s cannot run shared-nothing (forced by -strategy):%s", p.NF, reasonList(p.Reasons))
	}
	if strategy == SharedNothing {
		sol, err = rss.Solve(prof, ports, p.Constraints, opts.Seed)
		var ie *rss.InfeasibleError
		switch {
		case errors.As(err, &ie):
			if opts.Strategy == SharedNothing {
				return nil, fmt.Errorf("%s cannot run shared-nothing (forced by -strategy): %w", p.NF, err)
			}
			strategy = Locks
			q.Reasons = append(q.Reasons, infeasibleReasons(p, ie)...)
		case err != nil:
			return nil, fmt.Errorf("%s: %w", p.NF, err)
		}
	}
	if strategy == SharedNothing && p.HasDefault() {
		sol = undeclaredAsDefault(sol, p)
	}
	if strategy == Locks {
		sol, err = rss.Solve(prof, ports, nil, opts.Seed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.NF, err)
		}
	}
	q.Strategy = strategy
	q.PerCoreCapacity = CapacityLocks
	if strategy == SharedNothing {
		q.PerCoreCapacity = CapacitySplit
	}
	cfgs, err := sol.WithCores(min(opts.Cores, prof.RETASize))
	if err != nil {
		return nil, err
	}
	q.RSS = nil
	for i, c := range cfgs {
		var fields []string
		for f := rss.SrcIP; f <= rss.DstPort; f++ {
			m := sol.Ports[i].Allowed[f]
			if m != 0 {
				fields = append(fields, rss.Bits{Field: f, Mask: m}.String())
			}
		}
		def := p.HasDefault() && c.Port == p.DefaultPort
		var spread []string
		for _, fs := range sol.Ports[i].Spread {
			spread = append(spread, fs.String())
		}
		q.RSS = append(q.RSS, RSSPort{Port: c.Port, Default: def, Key: c.KeyHex(), Fields: fields, Hash: c.Fields.String(),
			Hashes: strings.Split(c.Fields.Hashed().String(), ","), Spread: spread, RETAKind: sol.RETA.String(), RETASize: len(c.RETA), RETA: c.RETA})
	}
	keys := make([]rss.Config, len(sol.Configs))
	for i, c := range sol.Configs {
		keys[i] = rss.Config{Port: c.Port, Key: slices.Clone(c.Key), Fields: c.Fields, Default: p.HasDefault() && c.Port == p.DefaultPort}
	}
	return &Decision{Plan: &q, Keys: keys, Profile: prof, Solution: sol}, nil
}

// undeclaredAsDefault drops from a shared-nothing solution the ports the
// plan does not name (a port below the highest declared one that the NF
// never tells apart, such as port 0 of an NF that only compares p.InPort
// with 1): the analysis treated their packets as the default port's, so
// they must be dispatched by the default port's configuration, which every
// backend applies to a port without its own. A key of their own, solved
// under no constraint, would spread their packets by fields the state is
// not keyed by.
func undeclaredAsDefault(sol *rss.Solution, p *Plan) *rss.Solution {
	out := *sol
	out.Configs, out.Ports = nil, nil
	for i, c := range sol.Configs {
		if slices.Contains(p.Ports, c.Port) {
			out.Configs = append(out.Configs, c)
			out.Ports = append(out.Ports, sol.Ports[i])
		}
	}
	return &out
}

func reasonList(rs []Reason) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "\n\t%s: %s %s", r.Pos, r.Code, r.Message)
	}
	return b.String()
}

// Generated is one generated file.
type Generated struct {
	// Decision is the decided plan and its keys.
	Decision *Decision
	// Name is the file name (FileName of the NF), Dir the package directory.
	Name, Dir string
	// Source is the file's content.
	Source []byte
}

// Generate decides p under opts and emits its file for package pkg.
func Generate(p *Plan, pkg *types.Package, opts Options) (*Generated, error) {
	d, err := Decide(p, opts)
	if err != nil {
		return nil, err
	}
	ctor := p.Constructor
	if ctor == "" {
		ctor = "New"
		d.Plan.Constructor = ctor
	}
	sh, err := ShapeOf(pkg, p.NF, ctor)
	if err != nil {
		return nil, err
	}
	src, err := Source(&File{Plan: d.Plan, Shape: sh, PkgName: pkg.Name(), Keys: d.Keys, RETASize: d.Profile.RETASize, RETA: d.Solution.RETA})
	if err != nil {
		return nil, err
	}
	return &Generated{Decision: d, Name: FileName(p.NF), Source: src}, nil
}

// infeasibleReasons turns an infeasible RSS system into plan reasons that
// point at code: the solver's verdict at the first access it blames, then
// each blamed constraint once, at its first access. A constraint's Why
// starts with the positions of the two accesses whose keys it pairs
// ("fw.go:66:15: flows.Find keyed by ...; fw.go:80:9: ...").
func infeasibleReasons(p *Plan, ie *rss.InfeasibleError) []Reason {
	var out []Reason
	seen := map[string]bool{}
	for _, c := range ie.Blamed {
		why := c.Why
		if why == "" {
			why = c.String()
		}
		if seen[why] {
			continue
		}
		seen[why] = true
		out = append(out, Reason{Pos: whyPos(why, p), Code: "rss-blame", Message: why})
	}
	pos := whyPos("", p)
	if len(out) > 0 {
		pos = out[0].Pos
	}
	return append([]Reason{{Pos: pos, Code: "rss-infeasible", Message: ie.Reason}}, out...)
}

// whyPos returns the position a constraint's reason starts with, or the
// position of the plan's first state access when it has none.
func whyPos(why string, p *Plan) string {
	if i := strings.Index(why, ": "); i > 0 && strings.Count(why[:i], ":") == 2 && !strings.ContainsAny(why[:i], " ;") {
		return why[:i]
	}
	for _, s := range p.State {
		for _, a := range s.Accesses {
			return a.Pos
		}
	}
	return p.NF
}
