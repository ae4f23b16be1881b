package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strconv"
)

// A small SVG line-chart writer: just what the cores-vs-Mpps plots need.
// It replaces gonum.org/v1/plot, whose fonts, LaTeX, PDF and rasteriser
// packages made up most of the repository's dependencies and cold build
// time for the sake of one command's plots.

// chart is one plot: integer x ticks 1..maxX, y from 0, one line per
// series, and an optional dashed reference line.
type chart struct {
	title, xLabel, yLabel string
	// maxX is the last x tick (at least 1 is drawn).
	maxX   int
	series []series
	// ref, when not nil, is drawn dashed under the series and listed
	// first in the legend.
	ref *refLine
}

// series is one variant: a line with markers through the points' y and a
// vertical bar from lo to hi at each.
type series struct {
	label string
	// style picks the colour and marker shape, so a variant keeps both
	// across plots.
	style  int
	points []point
}

// point is one x with its median (y) and range (lo..hi).
type point struct{ x, y, lo, hi float64 }

// refLine is a straight dashed line from (x1, y1) to (x2, y2).
type refLine struct {
	label          string
	x1, y1, x2, y2 float64
}

// The colours and marker shapes of series styles 0, 1, ...; they wrap.
// The colours are those of gonum's plotutil.DarkColors, which the plots
// were drawn with before, so old and new plots read alike.
var (
	seriesColors = []string{"#ee2e2f", "#008c48", "#185aa9", "#f47d23", "#662c91", "#a21d21", "#b43894"}
	seriesShapes = []string{"ring", "square", "triangle", "cross", "plus", "circle"}
)

// refColor is the reference line's colour: grey, so it cannot be taken
// for a series.
const refColor = "#808080"

// Page and plot-area geometry, in SVG user units (px), 16 cm by 11 cm at
// 96 dpi, like the plots gonum drew.
const (
	svgW, svgH           = 605.0, 416.0
	areaL, areaR         = 64.0, svgW - 16
	areaT, areaB         = 36.0, svgH - 46
	fontSize             = 12.0
	tickFontSize         = 10.0
	markerR              = 3.5
	legendLine, legendDY = 24.0, 16.0
)

// svgStyle returns series style i's colour and marker shape.
func svgStyle(i int) (color, shape string) {
	if i < 0 {
		i = -i
	}
	return seriesColors[i%len(seriesColors)], seriesShapes[i%len(seriesShapes)]
}

// finite returns v, or 0 for NaN and ±Inf, so that bad numbers cannot
// reach a coordinate.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// num formats a coordinate: fixed two decimals, so output is stable and
// compact.
func num(v float64) string { return strconv.FormatFloat(finite(v), 'f', 2, 64) }

// niceStep returns a round tick step (1, 2 or 5 times a power of ten)
// giving about five ticks from 0 to top; top must be positive and finite.
func niceStep(top float64) float64 {
	raw := top / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch norm := raw / mag; {
	case norm <= 1:
		return mag
	case norm <= 2:
		return 2 * mag
	case norm <= 5:
		return 5 * mag
	default:
		return 10 * mag
	}
}

// yTicks returns the y axis's top and its tick values from 0, for data
// reaching maxY: round numbers, at least one step above 0.
func yTicks(maxY float64) (top float64, ticks []float64) {
	maxY = finite(maxY)
	if maxY <= 0 {
		maxY = 1
	}
	step := niceStep(maxY)
	n := int(math.Ceil(maxY/step - 1e-9))
	if n < 1 {
		n = 1
	}
	for i := 0; i <= n; i++ {
		ticks = append(ticks, float64(i)*step)
	}
	return float64(n) * step, ticks
}

// tickLabel formats tick value v of an axis with step step, with just the
// decimals the step needs (no 0.30000000000000004).
func tickLabel(v, step float64) string {
	dec := 0
	if step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// svgWriter accumulates the document.
type svgWriter struct{ bytes.Buffer }

// f appends formatted output; writes to a bytes.Buffer cannot fail.
func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(&w.Buffer, format, args...) }

// text writes an escaped text element.
func (w *svgWriter) text(x, y, size float64, anchor, extra, s string) {
	w.f(`<text x="%s" y="%s" font-size="%s" text-anchor="%s"%s>%s</text>`+"\n",
		num(x), num(y), num(size), anchor, extra, html.EscapeString(s))
}

// marker draws shape centred on (x, y).
func (w *svgWriter) marker(shape, color string, x, y float64) {
	r := markerR
	stroke := fmt.Sprintf(`fill="none" stroke="%s" stroke-width="1"`, color)
	switch shape {
	case "ring":
		w.f(`<circle cx="%s" cy="%s" r="%s" %s/>`+"\n", num(x), num(y), num(r), stroke)
	case "circle":
		w.f(`<circle cx="%s" cy="%s" r="%s" fill="%s"/>`+"\n", num(x), num(y), num(r), color)
	case "square":
		w.f(`<rect x="%s" y="%s" width="%s" height="%s" %s/>`+"\n", num(x-r), num(y-r), num(2*r), num(2*r), stroke)
	case "triangle":
		w.f(`<polygon points="%s,%s %s,%s %s,%s" %s/>`+"\n", num(x), num(y-r), num(x+r), num(y+r), num(x-r), num(y+r), stroke)
	case "cross":
		w.f(`<path d="M%s %sL%s %sM%s %sL%s %s" %s/>`+"\n", num(x-r), num(y-r), num(x+r), num(y+r), num(x-r), num(y+r), num(x+r), num(y-r), stroke)
	default: // plus
		w.f(`<path d="M%s %sL%s %sM%s %sL%s %s" %s/>`+"\n", num(x-r), num(y), num(x+r), num(y), num(x), num(y-r), num(x), num(y+r), stroke)
	}
}

// render returns c as a standalone SVG document. Every coordinate is
// finite and inside the viewBox whatever the data (no points, one point,
// all zeros, NaN), and the output depends only on c.
func (c *chart) render() []byte {
	maxX := max(c.maxX, 1)
	maxY := 0.0
	for _, s := range c.series {
		for _, p := range s.points {
			maxY = max(maxY, finite(p.y), finite(p.hi))
		}
	}
	if c.ref != nil {
		maxY = max(maxY, finite(c.ref.y1), finite(c.ref.y2))
	}
	top, yt := yTicks(maxY)
	// The x range leaves a fifth of a core either side, as before.
	x0, x1 := 0.8, float64(maxX)+0.2
	px := func(x float64) float64 {
		v := areaL + (finite(x)-x0)/(x1-x0)*(areaR-areaL)
		return min(max(v, areaL), areaR)
	}
	py := func(y float64) float64 {
		v := areaB - finite(y)/top*(areaB-areaT)
		return min(max(v, areaT), areaB)
	}

	var w svgWriter
	w.f(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.f(`<svg xmlns="http://www.w3.org/2000/svg" width="16cm" height="11cm" viewBox="0 0 %s %s" font-family="sans-serif">`+"\n", num(svgW), num(svgH))
	w.f(`<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`+"\n", num(svgW), num(svgH))
	w.text(svgW/2, 20, fontSize+2, "middle", "", c.title)

	// Axes, ticks, labels, and light horizontal grid lines at the y ticks.
	w.f(`<g class="axes" stroke="#000000" stroke-width="1" fill="none">` + "\n")
	w.f(`<path d="M%s %sL%s %sL%s %s"/>`+"\n", num(areaL), num(areaT), num(areaL), num(areaB), num(areaR), num(areaB))
	for xi := 1; xi <= maxX; xi++ {
		x := px(float64(xi))
		w.f(`<path d="M%s %sL%s %s"/>`+"\n", num(x), num(areaB), num(x), num(areaB+5))
	}
	for _, v := range yt {
		y := py(v)
		w.f(`<path d="M%s %sL%s %s"/>`+"\n", num(areaL-5), num(y), num(areaL), num(y))
		if v > 0 {
			w.f(`<path d="M%s %sL%s %s" stroke="#e0e0e0"/>`+"\n", num(areaL), num(y), num(areaR), num(y))
		}
	}
	w.f("</g>\n")
	for xi := 1; xi <= maxX; xi++ {
		w.text(px(float64(xi)), areaB+18, tickFontSize, "middle", "", strconv.Itoa(xi))
	}
	step := yt[1] - yt[0]
	for _, v := range yt {
		w.text(areaL-8, py(v)+tickFontSize/3, tickFontSize, "end", "", tickLabel(v, step))
	}
	w.text((areaL+areaR)/2, svgH-8, fontSize, "middle", "", c.xLabel)
	ly := (areaT + areaB) / 2
	w.text(16, ly, fontSize, "middle", fmt.Sprintf(` transform="rotate(-90 16 %s)"`, num(ly)), c.yLabel)

	// Data: the reference under the series, each series' bars, line and
	// markers in its colour.
	const dashes = ` stroke-dasharray="6 4"`
	if r := c.ref; r != nil {
		w.f(`<polyline class="reference" points="%s,%s %s,%s" fill="none" stroke="%s" stroke-width="1.5"%s/>`+"\n",
			num(px(r.x1)), num(py(r.y1)), num(px(r.x2)), num(py(r.y2)), refColor, dashes)
	}
	for _, s := range c.series {
		color, shape := svgStyle(s.style)
		w.f(`<g class="variant" stroke-linejoin="round">` + "\n")
		var bars, line bytes.Buffer
		for i, p := range s.points {
			x := px(p.x)
			lo, hi := py(p.lo), py(p.hi)
			fmt.Fprintf(&bars, "M%s %sL%s %sM%s %sL%s %sM%s %sL%s %s",
				num(x), num(lo), num(x), num(hi),
				num(x-3), num(lo), num(x+3), num(lo),
				num(x-3), num(hi), num(x+3), num(hi))
			if i > 0 {
				line.WriteByte(' ')
			}
			fmt.Fprintf(&line, "%s,%s", num(x), num(py(p.y)))
		}
		if bars.Len() > 0 {
			w.f(`<path class="bars" d="%s" fill="none" stroke="%s" stroke-width="1"/>`+"\n", bars.String(), color)
		}
		w.f(`<polyline class="series" points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", line.String(), color)
		for _, p := range s.points {
			w.marker(shape, color, px(p.x), py(p.y))
		}
		w.f("</g>\n")
	}

	// Legend, top-left inside the plot area, on a white box so lines do
	// not run through its text. The box width is estimated from the
	// longest label (no font metrics here).
	type entry struct {
		label         string
		color, shape  string
		dashed, isRef bool
	}
	var entries []entry
	if c.ref != nil {
		entries = append(entries, entry{label: c.ref.label, color: refColor, dashed: true, isRef: true})
	}
	for _, s := range c.series {
		color, shape := svgStyle(s.style)
		entries = append(entries, entry{label: s.label, color: color, shape: shape})
	}
	if len(entries) > 0 {
		longest := 0
		for _, e := range entries {
			longest = max(longest, len([]rune(e.label)))
		}
		bx, by := areaL+8, areaT+6
		bw := min(legendLine+14+float64(longest)*fontSize*0.55, areaR-bx)
		bh := min(float64(len(entries))*legendDY+8, areaB-by)
		w.f(`<g class="legend">` + "\n")
		w.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="#ffffff" fill-opacity="0.85" stroke="#c0c0c0" stroke-width="0.5"/>`+"\n",
			num(bx), num(by), num(bw), num(bh))
		for i, e := range entries {
			y := min(by+12+float64(i)*legendDY, areaB)
			extra := ""
			if e.dashed {
				extra = dashes
			}
			w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"%s/>`+"\n",
				num(bx+6), num(y), num(bx+6+legendLine), num(y), e.color, extra)
			if !e.isRef {
				w.marker(e.shape, e.color, bx+6+legendLine/2, y)
			}
			w.text(bx+12+legendLine, y+fontSize/3, fontSize, "start", "", e.label)
		}
		w.f("</g>\n")
	}
	w.f("</svg>\n")
	return w.Bytes()
}
