package gen

import (
	"strings"

	"github.com/nfmaestro/maestro/analyzers/stateaccess"
)

// Analyze runs Maestro's state-access analysis (stateaccess.Analyze, the
// go/analysis checker that go vet also runs) on the packages matching
// patterns (relative to dir) and returns a plan per //maestro:nf type and
// the diagnostics of rule violations.
//
// Generated files are left out of the analysis with the maestrogen build
// tag, so that a stale generated file cannot stop its own regeneration.
func Analyze(dir string, patterns []string) ([]*Plan, []Diagnostic, error) {
	res, sdiags, err := stateaccess.AnalyzeFlags(patterns, dir, []string{"-tags=" + BuildTag})
	if err != nil {
		return nil, nil, err
	}
	var diags []Diagnostic
	for _, d := range sdiags {
		if !stateaccess.Blocking(d.Code) {
			// Scaling findings: the plan already chose locks for them and
			// lists them among its reasons.
			continue
		}
		msg := strings.TrimPrefix(strings.TrimPrefix(d.Message, d.Code), ":")
		diags = append(diags, Diagnostic{Pos: d.Pos, Code: d.Code, Message: strings.TrimSpace(msg)})
	}
	var plans []*Plan
	for _, p := range res.NFs {
		plans = append(plans, fromAnalyzer(p))
	}
	return plans, diags, nil
}

// fromAnalyzer copies the analyzer's plan into the generator's model.
func fromAnalyzer(p *stateaccess.Plan) *Plan {
	q := &Plan{NF: p.NF, Package: p.Package, Constructor: p.Constructor, ConfigType: p.ConfigType,
		Strategy: p.Strategy, Constraints: p.Constraints, ConstraintText: p.ConstraintText, Ports: p.Ports, DefaultPort: p.DefaultPort,
		WritesFrame: p.WritesFrame, ReadsNoHeaders: p.ReadsNoHeaders}
	for _, r := range p.Reasons {
		q.Reasons = append(q.Reasons, Reason{Pos: r.Pos, Code: r.Code, Message: r.Message})
	}
	for _, x := range p.Pools {
		q.Pools = append(q.Pools, Pool{State: x.State, Port: x.Port, Field: x.Field})
	}
	for _, s := range p.State {
		t := State{Field: s.Field, Type: s.Type, Kind: s.Kind, ReadOnly: s.ReadOnly, PerCoreEstimates: s.PerCoreEstimates}
		for _, a := range s.Accesses {
			b := Access{Pos: a.Pos, Method: a.Method, Op: a.Op, Ports: a.Ports}
			for _, c := range a.Key {
				b.Key = append(b.Key, Component{Source: c.Source, Field: c.Field, Mask: c.Mask, Detail: c.Detail})
			}
			t.Accesses = append(t.Accesses, b)
		}
		q.State = append(q.State, t)
	}
	return q
}
