package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
)

func TestParseFlagsErrors(t *testing.T) {
	max := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nf", "nosuch"}, `unknown NF "nosuch"`},
		{[]string{"-nf", ","}, "-nf: empty list"},
		{[]string{"-strategy", "magic"}, `-strategy: unknown "magic"`},
		{[]string{"-baseline", "spinlock"}, `-baseline: unknown "spinlock"`},
		{[]string{"-strategy", "none", "-baseline", "none"}, "nothing to bench"},
		{[]string{"-cores", "0"}, "out of range"},
		{[]string{"-cores", "1-" + strconv.Itoa(max+1)}, "GOMAXPROCS"},
		{[]string{"-cores", "2-1"}, `bad "2-1"`},
		{[]string{"-cores", "x"}, `bad "x"`},
		{[]string{"-traffic", "bursty"}, `unknown traffic "bursty"`},
		{[]string{"-traffic", "churn0"}, "bad churn level"},
		{[]string{"-traffic", "churn200"}, "bad churn level"},
		{[]string{"-traffic", "zipf,zipf"}, "given twice"},
		{[]string{"-runs", "0"}, "-runs 0"},
		{[]string{"-packets", "0"}, "-packets 0"},
		{[]string{"-flows", "0"}, "-flows 0"},
		{[]string{"-duration", "-1s"}, "negative"},
		{[]string{"-zipf-s", "-1"}, "-zipf-s"},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		_, err := parseFlags(tc.args, &bytes.Buffer{})
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseFlags(%q) = %v, want a usage error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestParseFlagsDefaults(t *testing.T) {
	o, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.cores) != runtime.GOMAXPROCS(0) || o.cores[0] != 1 {
		t.Errorf("default cores %v, want 1..GOMAXPROCS", o.cores)
	}
	if len(o.strategies) != 2 || len(o.baselines) != 3 || o.flows != 40000 || o.warmup != 200000 {
		t.Errorf("defaults: %+v", o)
	}
	o, err = parseFlags([]string{"-cores", "1,1-1", "-strategy", "none", "-baseline", "mutex", "-traffic", "churn0.5"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.cores) != 1 || o.strategies != nil || o.traffic[0].churn != 0.005 {
		t.Errorf("parsed %+v", o)
	}
}

// smallTrace is FW-shaped traffic with a few non-IPv4 frames mixed in, so
// that the RSS split also has to send unhashed packets to RETA[0].
func smallTrace(t *testing.T, packets int) *trace {
	t.Helper()
	tr, err := genTrace(trafficSpec{name: "uniform", sizes: []int{64}}, 500, packets/4, packets, 0, 7)
	if err != nil {
		t.Fatal(err)
	}
	arp := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06}
	arp = append(arp, make([]byte, 46)...)
	for i := 0; i < len(tr.frames); i += 97 {
		tr.frames[i] = frameRef{off: len(tr.arena), n: len(arp), port: tr.frames[i].port, time: tr.frames[i].time}
		tr.arena = append(tr.arena, arp...)
	}
	return tr
}

func TestSplitMatchesRSSDispatcher(t *testing.T) {
	tr := smallTrace(t, 4000)
	for _, nf := range []string{"fw", "nat", "dbridge"} {
		spec, err := newSpec(nf, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, cores := range []int{1, 2, 3} {
			proc, err := spec.build(Locks, cores)
			if err != nil {
				t.Fatal(err)
			}
			cfgs := proc.(rssProvider).RSS()
			sp, err := rssSplit(cfgs)
			if err != nil {
				t.Fatal(err)
			}
			d, err := soft.RSSDispatcher(cfgs...)
			if err != nil {
				t.Fatal(err)
			}
			// What each core would receive from the dispatcher, in order.
			want := make([][]frameRef, cores)
			var p maestro.Packet
			for _, f := range tr.frames {
				p.Reset(tr.arena[f.off:f.off+f.n], f.port, f.time)
				q := d(&p)
				if q < 0 || q >= cores {
					q = 0
				}
				want[q] = append(want[q], f)
			}
			cts := split(tr, cores, sp)
			used := 0
			for c, ct := range cts {
				got := append(append([]maestro.Packet(nil), ct.warm...), ct.timed...)
				if len(got) != len(want[c]) {
					t.Fatalf("%s, %d cores: core %d got %d packets, the dispatcher gives it %d", nf, cores, c, len(got), len(want[c]))
				}
				for i, f := range want[c] {
					if !bytes.Equal(got[i].Data, tr.arena[f.off:f.off+f.n]) || got[i].InPort != f.port || got[i].Time != f.time {
						t.Fatalf("%s, %d cores: core %d packet %d differs from the dispatcher's", nf, cores, c, i)
					}
				}
				if len(ct.timed) > 0 {
					used++
				}
			}
			if cores > 1 && used < 2 {
				t.Errorf("%s, %d cores: RSS used only %d cores", nf, cores, used)
			}
		}
	}
}

func TestRewindRestoresFrames(t *testing.T) {
	tr := smallTrace(t, 1000)
	spec, err := newSpec("nat", 0)
	if err != nil {
		t.Fatal(err)
	}
	proc, err := spec.build(SharedNothing, 1)
	if err != nil {
		t.Fatal(err)
	}
	cts := split(tr, 1, hashSplit(1))
	ct := &cts[0]
	before := append([]byte(nil), ct.arena...)
	want := ct.timed[0]
	want.Data = append([]byte(nil), want.Data...)
	bursts(proc, 0, ct.timed, make([]maestro.Verdict, nic.BurstSize))
	if bytes.Equal(before, ct.arena) {
		t.Fatal("NAT rewrote nothing: the test proves nothing")
	}
	ct.rewind()
	if !bytes.Equal(before, ct.arena) {
		t.Error("rewind did not restore the frames")
	}
	if got := ct.timed[0]; got.SrcIP != want.SrcIP || got.SrcPort != want.SrcPort || got.Time != want.Time || !bytes.Equal(got.Data, want.Data) {
		t.Errorf("rewind: packet 0 is %+v, want %+v", got, want)
	}
}

// TestZeroAllocs checks the allocation target: after warm-up, no generated
// NF allocates per packet, in either strategy. It counts allocations, it
// does not time anything.
func TestZeroAllocs(t *testing.T) {
	tr := smallTrace(t, 4000)
	for _, nf := range []string{"nop", "sbridge", "fw", "policer", "dbridge", "nat", "lb", "psd", "cl", "hhh"} {
		spec, err := newSpec(nf, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range allStrategies {
			if _, ok := spec.variants[v]; !ok {
				continue
			}
			proc, err := spec.build(v, 2)
			if err != nil {
				t.Fatal(err)
			}
			sp, err := rssSplit(proc.(rssProvider).RSS())
			if err != nil {
				t.Fatal(err)
			}
			tt := tr
			if spec.lbTraffic {
				tt = lbTrace(tr, 0, 1)
			}
			cts := split(tt, 2, sp)
			verdicts := make([]maestro.Verdict, nic.BurstSize)
			for c := range cts {
				bursts(proc, c, cts[c].warm, verdicts)
			}
			allocs := testing.AllocsPerRun(3, func() {
				for c := range cts {
					cts[c].rewind()
					bursts(proc, c, cts[c].timed, verdicts)
				}
			})
			if allocs != 0 {
				t.Errorf("%s %s: %v allocations per pass of %d packets", nf, v, allocs, tt.timed())
			}
		}
	}
}

func sampleReport() *report {
	o := &options{traffic: []trafficSpec{{name: "uniform"}}, runs: 2}
	spec := &nfSpec{name: "fw", planned: SharedNothing}
	jobs := []job{{spec, SharedNothing, 0, 1}, {spec, SharedNothing, 0, 2}, {spec, Mutex, 0, 1}, {spec, Mutex, 0, 2}}
	mk := func(pk0, pk1 int64, wallMs int) *sample {
		d := time.Duration(wallMs) * time.Millisecond
		s := &sample{packets: []int64{pk0}, busy: []time.Duration{d}, cpu: []time.Duration{d}, wall: d}
		if pk1 > 0 {
			s.packets = append(s.packets, pk1)
			s.busy = append(s.busy, d)
			s.cpu = append(s.cpu, d/2) // the second core was descheduled half the time
		}
		return s
	}
	samples := [][]*sample{
		{mk(1e6, 0, 100), mk(1e6, 0, 125)},
		{mk(1e6, 1e6, 100), mk(1e6, 1e6, 110)},
		{mk(1e6, 0, 50), mk(1e6, 0, 50)},
		{mk(1e6, 1e6, 400), mk(1e6, 1e6, 400)},
	}
	return aggregate(o, jobs, samples)
}

func TestAggregate(t *testing.T) {
	rep := sampleReport()
	r := rep.Results[1] // shared-nothing, 2 cores: 20 and ~18.2 Mpps
	if r.MppsTotal.Max != 20 || r.MppsTotal.Median < 19 || r.MppsTotal.Median > 19.1 {
		t.Errorf("2-core total %+v", r.MppsTotal)
	}
	// 1 core: 10 and 8 Mpps, median 9; speedup: runs paired, 20/10 and
	// 18.18/8, median 2.136.
	if one := rep.Results[0].MppsTotal.Median; one != 9 {
		t.Errorf("1-core median %v, want 9", one)
	}
	if r.Speedup < 2.13 || r.Speedup > 2.14 || r.Efficiency != r.Speedup/2 {
		t.Errorf("speedup %v efficiency %v", r.Speedup, r.Efficiency)
	}
	// CPU: run 1 per-core (10+20)/2 = 15 Mpps vs 10 on one core, so 3x;
	// run 2 (9.09+18.18)/2 = 13.6 vs 8, so 3.41x; median 3.205.
	if r.CPUSpeedup < 3.2 || r.CPUSpeedup > 3.21 {
		t.Errorf("CPU speedup %v", r.CPUSpeedup)
	}
	if !r.Planned || r.Kind != "maestro" || rep.Results[2].Kind != "baseline" {
		t.Errorf("kinds: %+v %+v", r, rep.Results[2])
	}
}

func TestOutputsShape(t *testing.T) {
	rep := sampleReport()
	var md bytes.Buffer
	if err := writeMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(md.String(), "\n")
	if !strings.HasPrefix(lines[0], "| NF | variant |") || !strings.HasPrefix(lines[1], "|---|") {
		t.Errorf("table header:\n%s", md.String())
	}
	rows := 0
	for _, l := range lines[2:] {
		if strings.HasPrefix(l, "| fw |") {
			rows++
			if n := strings.Count(l, "|"); n != len(tableHeader)+1 {
				t.Errorf("row has %d cells: %s", n-1, l)
			}
		}
	}
	if rows != 4 || !strings.Contains(md.String(), "shared-nothing/mutex") {
		t.Errorf("%d rows, summary missing?\n%s", rows, md.String())
	}

	var c bytes.Buffer
	if err := writeCSV(&c, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || len(recs[0]) != len(csvHeader) || recs[2][0] != "fw" || recs[2][5] != "2" {
		t.Errorf("CSV: %q", recs)
	}

	var j bytes.Buffer
	if err := writeJSON(&j, rep); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Settings map[string]any `json:"settings"`
		Results  []map[string]any
	}
	if err := json.Unmarshal(j.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != 4 || back.Settings["runs"] != 2.0 {
		t.Fatalf("JSON: %s", j.String())
	}
	for _, k := range []string{"nf", "variant", "kind", "planned", "traffic", "cores", "mpps_total", "mpps_per_core", "ns_per_packet", "allocs_per_packet", "speedup", "efficiency", "cpu_speedup", "runs_mpps"} {
		if _, ok := back.Results[0][k]; !ok {
			t.Errorf("JSON result lacks %q", k)
		}
	}
}

func TestRunEndToEnd(t *testing.T) {
	dir := t.TempDir()
	var out, errs bytes.Buffer
	args := []string{"-nf", "fw,dbridge", "-traffic", "uniform", "-flows", "200", "-packets", "3000", "-runs", "2", "-cores", "1",
		"-csv", filepath.Join(dir, "r.csv"), "-json", filepath.Join(dir, "r.json"), "-plots", filepath.Join(dir, "plots")}
	if code := run(args, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	// fw: 2 strategies + 3 baselines; dbridge: locks + 3 baselines.
	if n := strings.Count(out.String(), "\n| fw |") + strings.Count(out.String(), "\n| dbridge |"); n != 9 {
		t.Errorf("%d table rows, want 9:\n%s", n, out.String())
	}
	if !strings.Contains(errs.String(), "dbridge: no shared-nothing variant") {
		t.Errorf("no note on the skipped variant: %s", errs.String())
	}
	for _, f := range []string{"r.csv", "r.json", "plots/fw-uniform.svg", "plots/dbridge-uniform.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if code := run([]string{"-cores", "0"}, &out, &errs); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if _, err := parseFlags([]string{"-version"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.HasPrefix(out.String(), "nfbench github.com/nfmaestro/maestro ") {
		t.Errorf("-version: %v, %q", err, out.String())
	}
}
