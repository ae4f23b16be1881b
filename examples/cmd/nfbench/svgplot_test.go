package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// svgDoc is what the tests read back from a rendered plot.
type svgDoc struct {
	viewBox   [4]float64
	series    int      // polylines of class "series"
	reference int      // polylines of class "reference"
	texts     []string // every text element's content
	xs, ys    []float64
}

// coordAttrs are the attributes holding a single x or y coordinate.
var coordAttrs = map[string]bool{"x": true, "y": true, "x1": true, "y1": true, "x2": true, "y2": true, "cx": true, "cy": true}

// parseSVG decodes the whole document with encoding/xml, failing the test
// on any syntax error, and collects coordinates from every element.
func parseSVG(t *testing.T, doc []byte) *svgDoc {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	out := &svgDoc{}
	sawRoot := false
	var inText bool
	var text strings.Builder
	addPair := func(x, y string) {
		fx, errx := strconv.ParseFloat(x, 64)
		fy, erry := strconv.ParseFloat(y, 64)
		if errx != nil || erry != nil {
			t.Errorf("bad coordinate pair %q,%q", x, y)
			return
		}
		out.xs, out.ys = append(out.xs, fx), append(out.ys, fy)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch tok.Name.Local {
			case "svg":
				sawRoot = true
				f := strings.Fields(attr["viewBox"])
				if len(f) != 4 {
					t.Fatalf("viewBox %q", attr["viewBox"])
				}
				for i := range f {
					out.viewBox[i], _ = strconv.ParseFloat(f[i], 64)
				}
			case "polyline", "polygon":
				if tok.Name.Local == "polyline" {
					switch attr["class"] {
					case "series":
						out.series++
					case "reference":
						out.reference++
					}
				}
				for _, p := range strings.Fields(attr["points"]) {
					x, y, ok := strings.Cut(p, ",")
					if !ok {
						t.Errorf("bad point %q", p)
						continue
					}
					addPair(x, y)
				}
			case "path":
				// Only absolute M and L commands are written.
				f := strings.FieldsFunc(attr["d"], func(r rune) bool { return r == 'M' || r == 'L' || r == ' ' })
				if len(f)%2 != 0 {
					t.Errorf("odd path %q", attr["d"])
				}
				for i := 0; i+1 < len(f); i += 2 {
					addPair(f[i], f[i+1])
				}
			case "text":
				inText = true
				text.Reset()
			}
			for k, v := range attr {
				if coordAttrs[k] {
					f, err := strconv.ParseFloat(v, 64)
					if err != nil {
						t.Errorf("<%s %s=%q>", tok.Name.Local, k, v)
					}
					if k[0] == 'x' || k == "cx" {
						out.xs = append(out.xs, f)
					} else {
						out.ys = append(out.ys, f)
					}
				}
			}
		case xml.CharData:
			if inText {
				text.Write(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == "text" {
				inText = false
				out.texts = append(out.texts, text.String())
			}
		}
	}
	if !sawRoot {
		t.Fatal("no svg element")
	}
	return out
}

// checkInside fails the test for any coordinate that is not finite or
// falls outside the viewBox.
func checkInside(t *testing.T, d *svgDoc) {
	t.Helper()
	if len(d.xs) == 0 || len(d.ys) == 0 {
		t.Fatal("no coordinates found")
	}
	vx, vy, vw, vh := d.viewBox[0], d.viewBox[1], d.viewBox[2], d.viewBox[3]
	for _, x := range d.xs {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < vx || x > vx+vw {
			t.Errorf("x %v outside viewBox %v", x, d.viewBox)
		}
	}
	for _, y := range d.ys {
		if math.IsNaN(y) || math.IsInf(y, 0) || y < vy || y > vy+vh {
			t.Errorf("y %v outside viewBox %v", y, d.viewBox)
		}
	}
}

// plotResult makes a result of fw on uniform traffic.
func plotResult(variant string, cores int, planned bool, med, lo, hi float64) *Result {
	return &Result{NF: "fw", Traffic: "uniform", Variant: variant, Cores: cores, Planned: planned,
		MppsTotal: Stat{Median: med, Min: lo, Max: hi}}
}

func TestPlotSVG(t *testing.T) {
	rs := []*Result{
		plotResult(SharedNothing, 1, true, 9, 8.5, 9.4),
		plotResult(SharedNothing, 2, true, 17, 15, 18),
		plotResult(SharedNothing, 4, true, 30, 28, 33),
		plotResult(Mutex, 4, false, 3, 2, 4),
		plotResult(Mutex, 1, false, 7, 6.9, 7.2),
		plotResult(Mutex, 2, false, 4, 3.5, 5),
		plotResult(RWMutex, 1, false, 6, 6, 6),
		plotResult("<b>&odd</b>", 1, false, 1, 1, 1), // not in variantOrder: left out
	}
	doc := plotOne(rs).render()
	d := parseSVG(t, doc)
	checkInside(t, d)
	if d.series != 3 || d.reference != 1 {
		t.Errorf("%d series and %d reference lines, want 3 and 1", d.series, d.reference)
	}
	all := strings.Join(d.texts, "\n")
	for _, want := range []string{"fw, uniform traffic", "cores", "Mpps (all cores)", "linear (best 1-core)",
		"shared-nothing (maestrogen's choice)", "mutex", "rwmutex", "1", "2", "3", "4"} {
		if !strings.Contains("\n"+all+"\n", "\n"+want+"\n") {
			t.Errorf("no text %q in %q", want, d.texts)
		}
	}
	if strings.Contains(all, "odd") {
		t.Errorf("a variant outside variantOrder was drawn")
	}
	// The y axis reaches the reference's 36 Mpps with round ticks.
	if !strings.Contains("\n"+all+"\n", "\n40\n") {
		t.Errorf("no 40 Mpps tick in %q", d.texts)
	}
	if again := plotOne(rs).render(); !bytes.Equal(doc, again) {
		t.Error("two renders of the same results differ")
	}
}

// Escaping: an NF or traffic name with markup characters still gives
// well-formed XML and the same text back.
func TestPlotSVGEscapes(t *testing.T) {
	r := plotResult(Locks, 1, false, 1, 1, 1)
	r.NF, r.Traffic = `a<b>&"c'`, "]]>"
	d := parseSVG(t, plotOne([]*Result{r}).render())
	if d.texts[0] != `a<b>&"c', ]]> traffic` {
		t.Errorf("title %q", d.texts[0])
	}
}

// Degenerate inputs still give finite coordinates inside the viewBox.
func TestPlotSVGDegenerate(t *testing.T) {
	for name, rs := range map[string][]*Result{
		"one result":  {plotResult(Mutex, 1, false, 5, 5, 5)},
		"all zero":    {plotResult(Mutex, 1, false, 0, 0, 0), plotResult(Mutex, 2, false, 0, 0, 0), plotResult(Locks, 2, true, 0, 0, 0)},
		"no 1-core":   {plotResult(XSync, 3, false, 2, 1, 3)},
		"tiny":        {plotResult(Mutex, 1, false, 1e-9, 0, 2e-9), plotResult(Mutex, 2, false, 1e-9, 0, 3e-9)},
		"not finite":  {plotResult(Mutex, 1, false, math.NaN(), math.Inf(-1), math.Inf(1)), plotResult(Mutex, 2, false, 1, 1, 1)},
		"empty input": nil,
	} {
		t.Run(name, func(t *testing.T) {
			doc := plotOne(rs).render()
			d := parseSVG(t, doc)
			checkInside(t, d)
			if s := string(doc); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("NaN or Inf in the document:\n%s", s)
			}
			wantSeries := 0
			for _, v := range variantOrder {
				for _, r := range rs {
					if r.Variant == v {
						wantSeries++
						break
					}
				}
			}
			if d.series != wantSeries {
				t.Errorf("%d series, want %d", d.series, wantSeries)
			}
		})
	}
}

func TestYTicks(t *testing.T) {
	for _, c := range []struct {
		maxY, top float64
		n         int
	}{
		{0, 1, 6}, {1, 1, 6}, {9.4, 10, 6}, {36, 40, 5}, {0.37, 0.4, 5}, {123, 150, 4}, {5, 5, 6},
	} {
		top, ticks := yTicks(c.maxY)
		if math.Abs(top-c.top) > 1e-12 || len(ticks) != c.n || ticks[0] != 0 {
			t.Errorf("yTicks(%v) = %v, %v; want top %v with %d ticks", c.maxY, top, ticks, c.top, c.n)
		}
	}
	if got := tickLabel(0.30000000000000004, 0.1); got != "0.3" {
		t.Errorf("tickLabel = %q", got)
	}
}

// writePlots writes exactly one SVG per NF and traffic, and nothing else.
func TestWritePlotsSVGOnly(t *testing.T) {
	dir := t.TempDir()
	a := plotResult(Mutex, 1, false, 5, 4, 6)
	b := plotResult(Mutex, 1, false, 3, 3, 3)
	b.NF = "nat"
	if err := writePlots(dir, &report{Results: []*Result{a, b}}); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "fw-uniform.svg nat-uniform.svg" {
		t.Errorf("files %v", names)
	}
	doc, err := os.ReadFile(filepath.Join(dir, "nat-uniform.svg"))
	if err != nil {
		t.Fatal(err)
	}
	checkInside(t, parseSVG(t, doc))
}
