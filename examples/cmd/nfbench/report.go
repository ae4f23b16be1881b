package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Stat summarises one quantity over the runs.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// newStat returns the median, min and max of xs (zeros when empty).
func newStat(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Stat{Median: m, Min: s[0], Max: s[len(s)-1]}
}

// Result is one benchmark point: an NF variant on some traffic and cores.
type Result struct {
	NF      string `json:"nf"`
	Variant string `json:"variant"`
	// Kind is "maestro" for a generated strategy, "baseline" otherwise;
	// Planned marks the strategy maestrogen chose for the NF.
	Kind    string `json:"kind"`
	Planned bool   `json:"planned"`
	Traffic string `json:"traffic"`
	Cores   int    `json:"cores"`
	Runs    int    `json:"runs"`
	// Packets is the timed packets of one run (all cores, all passes).
	Packets int64 `json:"packets"`
	// MppsTotal is all cores together over wall-clock time. MppsPerCore is
	// the mean core's rate per second of CPU time its thread was given, and
	// NsPerPacket its inverse: robust to other tenants stealing the CPU,
	// blind to time spent blocked.
	MppsTotal   Stat `json:"mpps_total"`
	MppsPerCore Stat `json:"mpps_per_core"`
	NsPerPacket Stat `json:"ns_per_packet"`
	// AllocsPerPacket is the worst run's heap allocations per packet.
	AllocsPerPacket float64 `json:"allocs_per_packet"`
	// RunsMpps is each run's total Mpps, in run order.
	RunsMpps    []float64 `json:"runs_mpps"`
	runsPerCore []float64
	// Speedup is the median over runs of this run's total Mpps divided by
	// the same run's 1-core Mpps of the same variant (the two were measured
	// seconds apart, so slow changes in the machine's load cancel out), and
	// Efficiency is Speedup/Cores; both 0 when one core was not measured.
	Speedup    float64 `json:"speedup"`
	Efficiency float64 `json:"efficiency"`
	// CPUSpeedup is the speedup computed from CPU time instead of wall
	// time: the median over runs of Cores*MppsPerCore over the same run's
	// 1-core MppsPerCore. It is what the cores deliver when the OS lets
	// them run, and ignores blocking.
	CPUSpeedup float64 `json:"cpu_speedup"`
	// Truncated: in some run a core hit -limit before its last packet.
	Truncated bool `json:"truncated"`
}

// report is everything nfbench measured, with how.
type report struct {
	Command  string    `json:"command"`
	Date     string    `json:"date"`
	GoVer    string    `json:"go"`
	CPUs     int       `json:"cpus"`
	Settings settings  `json:"settings"`
	Results  []*Result `json:"results"`
}

// settings records the options that shape the numbers.
type settings struct {
	Flows    int     `json:"flows"`
	Packets  int     `json:"packets"`
	Warmup   int     `json:"warmup"`
	Duration string  `json:"duration"`
	Runs     int     `json:"runs"`
	Timeout  string  `json:"timeout"`
	ZipfS    float64 `json:"zipf_s"`
	Seed     uint64  `json:"seed"`
	Pin      bool    `json:"pin"`
}

// aggregate turns the samples of each job into Results.
func aggregate(o *options, jobs []job, samples [][]*sample) *report {
	rep := &report{
		Command: "nfbench " + strings.Join(os.Args[1:], " "),
		Date:    time.Now().UTC().Format(time.RFC3339),
		GoVer:   runtime.Version(),
		CPUs:    runtime.GOMAXPROCS(0),
		Settings: settings{
			Flows: o.flows, Packets: o.packets, Warmup: o.warmup, Duration: o.duration.String(),
			Runs: o.runs, Timeout: o.timeout.String(), ZipfS: o.zipfS, Seed: o.seed, Pin: o.pin,
		},
	}
	for i, j := range jobs {
		var tot, per, ns []float64
		r := &Result{
			NF: j.spec.name, Variant: j.variant, Kind: "baseline", Planned: j.variant == j.spec.planned,
			Traffic: o.traffic[j.traffic].name, Cores: j.cores, Runs: len(samples[i]),
		}
		if isStrategy(j.variant) {
			r.Kind = "maestro"
		}
		for _, s := range samples[i] {
			tot = append(tot, s.totalMpps())
			p := s.perCoreMpps()
			per = append(per, p)
			if p > 0 {
				ns = append(ns, 1e3/p)
			}
			r.AllocsPerPacket = math.Max(r.AllocsPerPacket, s.allocsPerPacket())
			r.Packets = s.total()
			r.Truncated = r.Truncated || s.truncated
		}
		r.MppsTotal, r.MppsPerCore, r.NsPerPacket = newStat(tot), newStat(per), newStat(ns)
		r.RunsMpps, r.runsPerCore = tot, per
		rep.Results = append(rep.Results, r)
	}
	fillSpeedup(rep.Results)
	return rep
}

// fillSpeedup sets Speedup and Efficiency from each variant's 1-core point,
// pairing runs.
func fillSpeedup(rs []*Result) {
	one := map[string]*Result{}
	key := func(r *Result) string { return r.NF + "\x00" + r.Variant + "\x00" + r.Traffic }
	for _, r := range rs {
		if r.Cores == 1 {
			one[key(r)] = r
		}
	}
	for _, r := range rs {
		base := one[key(r)]
		if base == nil {
			continue
		}
		var ratios []float64
		for i, x := range r.RunsMpps {
			if i < len(base.RunsMpps) && base.RunsMpps[i] > 0 {
				ratios = append(ratios, x/base.RunsMpps[i])
			}
		}
		if len(ratios) > 0 {
			r.Speedup = newStat(ratios).Median
			r.Efficiency = r.Speedup / float64(r.Cores)
		}
		ratios = ratios[:0]
		for i, x := range r.runsPerCore {
			if i < len(base.runsPerCore) && base.runsPerCore[i] > 0 {
				ratios = append(ratios, float64(r.Cores)*x/base.runsPerCore[i])
			}
		}
		if len(ratios) > 0 {
			r.CPUSpeedup = newStat(ratios).Median
		}
	}
}

// tableHeader is the markdown table's (and the CSV's leading) columns.
var tableHeader = []string{"NF", "variant", "traffic", "cores", "Mpps total (median, min-max)", "Mpps/core (CPU)", "ns/pkt (CPU)", "allocs/pkt", "speedup", "efficiency", "CPU speedup"}

// variantLabel marks the strategy maestrogen chose with a star.
func variantLabel(r *Result) string {
	if r.Planned {
		return r.Variant + "*"
	}
	return r.Variant
}

// writeMarkdown writes the results as one markdown table, then what the
// targets ask of the largest core count.
func writeMarkdown(w io.Writer, rep *report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| %s |\n", strings.Join(tableHeader, " | "))
	fmt.Fprintf(&b, "|%s\n", strings.Repeat("---|", len(tableHeader)))
	for _, r := range rep.Results {
		sp, eff, csp := "", "", ""
		if r.Speedup > 0 {
			sp, eff = fmt.Sprintf("%.2fx", r.Speedup), fmt.Sprintf("%.0f%%", 100*r.Efficiency)
		}
		if r.CPUSpeedup > 0 {
			csp = fmt.Sprintf("%.2fx", r.CPUSpeedup)
		}
		cores := strconv.Itoa(r.Cores)
		if r.Truncated {
			cores += "†"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f (%.2f-%.2f) | %.2f | %.1f | %s | %s | %s | %s |\n",
			r.NF, variantLabel(r), r.Traffic, cores,
			r.MppsTotal.Median, r.MppsTotal.Min, r.MppsTotal.Max,
			r.MppsPerCore.Median, r.NsPerPacket.Median, fmtAllocs(r.AllocsPerPacket), sp, eff, csp)
	}
	b.WriteString("\n* the strategy maestrogen chose for the NF. Medians over the runs; speedup: median over runs of the ratio to the same run's 1-core rate of the same variant; efficiency: speedup/cores; CPU speedup: the same from each core's CPU time (what the cores deliver while the OS lets them run; blind to blocking).\n")
	b.WriteString("† a core hit -limit before its last packet: the rate is over the packets it did process.\n")
	if s := summary(rep.Results); s != "" {
		b.WriteString("\n" + s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fmtAllocs prints allocations per packet so that "0" means none at all.
func fmtAllocs(a float64) string {
	if a == 0 {
		return "0"
	}
	return strconv.FormatFloat(a, 'g', 2, 64)
}

// summary compares, at the largest core count of each NF and traffic, the
// Maestro strategies with each other and with the baselines: what the
// scaling targets are about.
func summary(rs []*Result) string {
	type key struct{ nf, traffic string }
	maxCores := map[key]int{}
	for _, r := range rs {
		k := key{r.NF, r.Traffic}
		maxCores[k] = max(maxCores[k], r.Cores)
	}
	var lines []string
	seen := map[key]bool{}
	for _, r := range rs {
		k := key{r.NF, r.Traffic}
		n := maxCores[k]
		if seen[k] || n < 2 {
			continue
		}
		seen[k] = true
		at := map[string]*Result{}
		for _, q := range rs {
			if q.NF == r.NF && q.Traffic == r.Traffic && q.Cores == n {
				at[q.Variant] = q
			}
		}
		var parts []string
		for _, v := range []string{SharedNothing, Locks} {
			if q := at[v]; q != nil && q.Speedup > 0 {
				parts = append(parts, fmt.Sprintf("%s %.2fx (CPU %.2fx)", v, q.Speedup, q.CPUSpeedup))
			}
		}
		best := at[SharedNothing]
		if best == nil || (at[Locks] != nil && at[Locks].Planned) {
			best = at[Locks]
		}
		if best != nil {
			for _, v := range allBaselines {
				if q := at[v]; q != nil && q.MppsTotal.Median > 0 {
					parts = append(parts, fmt.Sprintf("%s/%s %.2fx", best.Variant, v, best.MppsTotal.Median/q.MppsTotal.Median))
				}
			}
		}
		if len(parts) > 0 {
			lines = append(lines, fmt.Sprintf("- %s, %s, %d cores: %s", r.NF, r.Traffic, n, strings.Join(parts, "; ")))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return "Speedup over 1 core, and throughput ratio of the Maestro NF to each baseline:\n\n" + strings.Join(lines, "\n") + "\n"
}

// csvHeader names the CSV columns.
var csvHeader = []string{
	"nf", "variant", "kind", "planned", "traffic", "cores", "runs", "packets",
	"mpps_total_median", "mpps_total_min", "mpps_total_max",
	"mpps_per_core_median", "mpps_per_core_min", "mpps_per_core_max",
	"ns_per_packet_median", "ns_per_packet_min", "ns_per_packet_max",
	"allocs_per_packet", "speedup", "efficiency", "cpu_speedup", "truncated",
}

// writeCSV writes one row per Result.
func writeCSV(w io.Writer, rep *report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	for _, r := range rep.Results {
		row := []string{
			r.NF, r.Variant, r.Kind, strconv.FormatBool(r.Planned), r.Traffic, strconv.Itoa(r.Cores), strconv.Itoa(r.Runs), strconv.FormatInt(r.Packets, 10),
			f(r.MppsTotal.Median), f(r.MppsTotal.Min), f(r.MppsTotal.Max),
			f(r.MppsPerCore.Median), f(r.MppsPerCore.Min), f(r.MppsPerCore.Max),
			f(r.NsPerPacket.Median), f(r.NsPerPacket.Min), f(r.NsPerPacket.Max),
			f(r.AllocsPerPacket), f(r.Speedup), f(r.Efficiency), f(r.CPUSpeedup), strconv.FormatBool(r.Truncated),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSON writes the whole report, settings included.
func writeJSON(w io.Writer, rep *report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeOutputs writes the table to stdout and the requested files.
func writeOutputs(o *options, rep *report, stdout io.Writer) error {
	if err := writeMarkdown(stdout, rep); err != nil {
		return err
	}
	toFile := func(name string, write func(io.Writer, *report) error) error {
		if name == "" {
			return nil
		}
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		if err := write(f, rep); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := toFile(o.csv, writeCSV); err != nil {
		return err
	}
	if err := toFile(o.json, writeJSON); err != nil {
		return err
	}
	if o.plots != "" {
		return writePlots(o.plots, rep)
	}
	return nil
}
