package gen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/nic/rss"
)

// shape is one kind of traffic: the 4-tuples (SrcIP, DstIP, SrcPort,
// DstPort) arriving on a port.
type shape struct {
	name  string
	field rss.Field // the field that varies; several for anyField
	gen   func() [][4]uint32
}

// anyField marks shapes that vary several fields.
const anyField = rss.Field(255)

// tupleBase is the fixed part of clustered traffic.
var tupleBase = [4]uint32{0x0a01_0203, 0xc633_6407, 40123, 443}

// lowBits varies the low n bits of field f over all their values.
func lowBits(f rss.Field, n int) shape {
	return shape{fmt.Sprintf("%v low %d bits", f, n), f, func() [][4]uint32 {
		out := make([][4]uint32, 0, 1<<n)
		for v := range uint32(1) << n {
			x := tupleBase
			x[f] = x[f]&^(1<<n-1) | v
			out = append(out, x)
		}
		return out
	}}
}

// clusteredShapes are the shapes: a /24 or /16 varying in each
// field, one server with many clients, one client with many ports, and
// uniform traffic for comparison. The client/server shapes are given as
// seen on the port where the clients send (src = client) and, reversed, on
// the port where the server's replies arrive.
func clusteredShapes() []shape {
	var ss []shape
	for f := rss.SrcIP; f <= rss.DstPort; f++ {
		ss = append(ss, lowBits(f, 8), lowBits(f, 16))
	}
	clients := func(reply bool) func() [][4]uint32 {
		return func() [][4]uint32 {
			rng := rand.New(rand.NewPCG(16, 2000))
			out := make([][4]uint32, 0, 2000)
			for range 2000 {
				c := [4]uint32{0x0a14_0000 | rng.Uint32()&0xffff, 0x5db8_d822, 1024 + rng.Uint32()%60000, 443}
				if reply {
					c = [4]uint32{c[1], c[0], c[3], c[2]}
				}
				out = append(out, c)
			}
			return out
		}
	}
	ports := func() [][4]uint32 {
		out := make([][4]uint32, 0, 1024)
		for p := range uint32(1024) {
			out = append(out, [4]uint32{0x0a01_0203, 0x5db8_d822, 32768 + p, 443})
		}
		return out
	}
	uniform := func() [][4]uint32 {
		rng := rand.New(rand.NewPCG(1, 2))
		out := make([][4]uint32, 0, 4096)
		for range 4096 {
			out = append(out, [4]uint32{rng.Uint32(), rng.Uint32(), rng.Uint32() & 0xffff, rng.Uint32() & 0xffff})
		}
		return out
	}
	return append(ss,
		shape{"one server, 2000 clients of a /16", anyField, clients(false)},
		shape{"one server, its replies to them", anyField, clients(true)},
		shape{"one client, 1024 source ports", anyField, ports},
		shape{"uniform", anyField, uniform})
}

// maxOverMean returns the load of the busiest queue over the mean.
func maxOverMean(cfg rss.Config, cores int, tuples [][4]uint32) float64 {
	load := make([]int, cores)
	for _, x := range tuples {
		load[cfg.Queue(x[0], x[1], uint16(x[2]), uint16(x[3]), true)]++
	}
	return float64(slices.Max(load)) * float64(cores) / float64(len(tuples))
}

var spreadCores = []int{2, 4, 8, 16, 32}

// TestCatalogClusteredSpread measures, on the real plans of every
// shared-nothing catalog NF and the configuration their generated code
// programs, the queue load of clustered traffic at 2 to 32 cores. For each
// field a port's queue may depend on, traffic varying only in its low 8
// bits must reach every core with max/mean <= 1.5 at 2 to 16 cores, unless
// the plan's spread certificate says why not, naming the constraint. With
// -v it prints the table of BENCHMARKS.md.
func TestCatalogClusteredSpread(t *testing.T) {
	if testing.Short() {
		t.Skip("analysis of the whole catalog takes a while")
	}
	t.Parallel() // overlaps TestOutsideModule, which mostly waits for go commands
	shapes := clusteredShapes()
	tuples := make([][][4]uint32, len(shapes)) // each shape's traffic, made once
	for i, sh := range shapes {
		tuples[i] = sh.gen()
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| NF | port (hashes) | traffic | %s |\n|---|---|---|%s\n", strings.Join(func() []string {
		var h []string
		for _, c := range spreadCores {
			h = append(h, fmt.Sprintf("%d cores", c))
		}
		return h
	}(), " | "), strings.Repeat("---|", len(spreadCores)))
	for _, nf := range analyzeCatalog() {
		name, gens, err := nf.name, nf.gens, nf.err
		if errors.Is(err, ErrDiagnostics) || err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range gens {
			d := g.Decision
			if d.Plan.Strategy != SharedNothing {
				continue
			}
			cfgs := map[int][]rss.Config{}
			for _, c := range spreadCores {
				if cfgs[c], err = d.Solution.WithCores(c); err != nil {
					t.Fatal(err)
				}
			}
			for pi, rep := range d.Solution.Ports {
				hashed := d.Solution.Configs[pi].Fields.Hashed()
				// One row per kind of traffic: the worst allowed field for
				// the per-field shapes.
				rows := map[string][]float64{}
				var order []string
				for si, sh := range shapes {
					if sh.field != anyField && rep.Allowed[sh.field] == 0 {
						continue // the queue may not depend on it: nothing to spread
					}
					kind := sh.name
					if sh.field != anyField {
						kind = strings.Replace(sh.name, sh.field.String(), "any allowed field,", 1)
					}
					if rows[kind] == nil {
						rows[kind] = make([]float64, len(spreadCores))
						order = append(order, kind)
					}
					for ci, c := range spreadCores {
						r := maxOverMean(cfgs[c][pi], c, tuples[si])
						rows[kind][ci] = max(rows[kind][ci], r)
						if !strings.Contains(sh.name, "low 8 bits") || c > 16 || r <= 1.5 {
							continue
						}
						var limit string
						for _, fs := range rep.Spread {
							if fs.Field == sh.field {
								limit = fs.Limit
							}
						}
						if !strings.Contains(limit, "because of") {
							t.Errorf("%s port %d: %s: max/mean %.2f at %d cores and the plan does not say why (certificate %q)", d.Plan.NF, rep.Port, sh.name, r, c, limit)
						}
					}
				}
				for _, kind := range order {
					cells := make([]string, len(spreadCores))
					for ci, r := range rows[kind] {
						cells[ci] = fmt.Sprintf("%.2f", r)
					}
					fmt.Fprintf(&table, "| %s | %d (%v) | %s | %s |\n", d.Plan.NF, rep.Port, hashed, kind, strings.Join(cells, " | "))
				}
			}
		}
	}
	t.Logf("queue load max/mean:\n%s", table.String())
}
