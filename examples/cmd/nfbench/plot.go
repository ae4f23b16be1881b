package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// variantOrder fixes each variant's colour and legend position across
// plots, Maestro's strategies first.
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
// saved as DIR/<nf>-<traffic>.svg and .png.
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
		p, err := plotOne(rs)
		if err != nil {
			return fmt.Errorf("plot %s: %v", name, err)
		}
		for _, ext := range []string{".svg", ".png"} {
			if err := p.Save(16*vg.Centimeter, 11*vg.Centimeter, filepath.Join(dir, name+ext)); err != nil {
				return err
			}
		}
	}
	return nil
}

// plotOne draws the results of one NF on one traffic.
func plotOne(rs []*Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s, %s traffic", rs[0].NF, rs[0].Traffic)
	p.X.Label.Text = "cores"
	p.Y.Label.Text = "Mpps (all cores)"
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	byVariant := map[string][]*Result{}
	maxCores, best1 := 1, 0.0
	for _, r := range rs {
		byVariant[r.Variant] = append(byVariant[r.Variant], r)
		maxCores = max(maxCores, r.Cores)
		if r.Cores == 1 {
			best1 = max(best1, r.MppsTotal.Median)
		}
	}
	ticks := make([]plot.Tick, 0, maxCores)
	for c := 1; c <= maxCores; c++ {
		ticks = append(ticks, plot.Tick{Value: float64(c), Label: fmt.Sprint(c)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = 0.8, float64(maxCores)+0.2
	if best1 > 0 && maxCores > 1 {
		ideal := plotter.XYs{{X: 1, Y: best1}, {X: float64(maxCores), Y: best1 * float64(maxCores)}}
		l, err := plotter.NewLine(ideal)
		if err != nil {
			return nil, err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = plotutil.Color(7)
		p.Add(l)
		p.Legend.Add("linear (best 1-core)", l)
	}
	for i, v := range variantOrder {
		pts := byVariant[v]
		if len(pts) == 0 {
			continue
		}
		sort.Slice(pts, func(a, b int) bool { return pts[a].Cores < pts[b].Cores })
		var eb struct {
			plotter.XYs
			plotter.YErrors
		}
		for _, r := range pts {
			m := r.MppsTotal
			eb.XYs = append(eb.XYs, plotter.XY{X: float64(r.Cores), Y: m.Median})
			eb.YErrors = append(eb.YErrors, struct{ Low, High float64 }{m.Median - m.Min, m.Max - m.Median})
		}
		l, s, err := plotter.NewLinePoints(eb.XYs)
		if err != nil {
			return nil, err
		}
		l.Color, s.Color, s.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		bars, err := plotter.NewYErrorBars(eb)
		if err != nil {
			return nil, err
		}
		bars.Color = plotutil.Color(i)
		p.Add(l, s, bars)
		label := v
		if pts[0].Planned {
			label += " (maestrogen's choice)"
		}
		p.Legend.Add(label, l, s)
	}
	return p, nil
}
