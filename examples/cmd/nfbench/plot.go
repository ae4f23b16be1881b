package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// variantOrder fixes each variant's colour, marker and legend position
// across plots, Maestro's strategies first.
var variantOrder = []string{SharedNothing, Locks, "parallel", Mutex, XSync, RWMutex}

// plotFiles returns the base name (no extension) of every plot writePlots
// makes for rep, in order: one per NF and traffic.
func plotFiles(rep *report) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rep.Results {
		name := r.NF + "-" + r.Traffic
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// writePlots draws, for each NF and traffic, total Mpps against cores: one
// line per variant through the medians, bars from min to max, and the ideal
// linear scaling of the best 1-core variant for reference. Each plot is
// saved as DIR/<nf>-<traffic>.svg (SVG only: a PNG would need a font
// rasteriser, and with it a large dependency tree).
func writePlots(dir string, rep *report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range plotFiles(rep) {
		var rs []*Result
		for _, r := range rep.Results {
			if r.NF+"-"+r.Traffic == name {
				rs = append(rs, r)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name+".svg"), plotOne(rs).render(), 0o644); err != nil {
			return fmt.Errorf("plot %s: %v", name, err)
		}
	}
	return nil
}

// plotOne lays out the results of one NF on one traffic (rs non-empty and
// all of the same NF and traffic).
func plotOne(rs []*Result) *chart {
	c := &chart{xLabel: "cores", yLabel: "Mpps (all cores)", maxX: 1}
	if len(rs) == 0 {
		return c
	}
	c.title = fmt.Sprintf("%s, %s traffic", rs[0].NF, rs[0].Traffic)
	byVariant := map[string][]*Result{}
	best1 := 0.0
	for _, r := range rs {
		byVariant[r.Variant] = append(byVariant[r.Variant], r)
		c.maxX = max(c.maxX, r.Cores)
		if r.Cores == 1 {
			best1 = max(best1, finite(r.MppsTotal.Median))
		}
	}
	if best1 > 0 && c.maxX > 1 {
		c.ref = &refLine{label: "linear (best 1-core)", x1: 1, y1: best1, x2: float64(c.maxX), y2: best1 * float64(c.maxX)}
	}
	for i, v := range variantOrder {
		pts := slices.Clone(byVariant[v])
		if len(pts) == 0 {
			continue
		}
		// Stable, so equal core counts keep the report's order and the
		// output stays deterministic.
		slices.SortStableFunc(pts, func(a, b *Result) int { return a.Cores - b.Cores })
		s := series{label: v, style: i}
		if pts[0].Planned {
			s.label += " (maestrogen's choice)"
		}
		for _, r := range pts {
			m := r.MppsTotal
			s.points = append(s.points, point{x: float64(r.Cores), y: m.Median, lo: m.Min, hi: m.Max})
		}
		c.series = append(c.series, s)
	}
	return c
}
