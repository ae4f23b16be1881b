//go:build dpdk

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/nic/soft"
)

// nfrunDPDK builds nfrun with -tags dpdk into a temporary directory of t
// (TestMain's nfrunBin is built without the tag: it is the software
// backend's reference here).
func nfrunDPDK(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nfrun")
	if out, err := exec.Command("go", "build", "-tags", "dpdk", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags dpdk: %v\n%s", err, out)
	}
	return bin
}

// ealFor returns -eal arguments for two net_pcap ports reading in/port<N>.pcap
// and writing out/port<N>.pcap, without hugepages, PCI scan or shared
// runtime files, under a file prefix of their own so that concurrent DPDK
// processes do not meet.
func ealFor(t *testing.T, in, out string) string {
	args := []string{"--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf", "--no-telemetry",
		"--log-level=*:warning", "--file-prefix=nfrun" + strconv.Itoa(os.Getpid()) + strings.ReplaceAll(t.Name(), "/", "_")}
	for p := range 2 {
		args = append(args, fmt.Sprintf("--vdev=net_pcap%d,rx_pcap=%s,tx_pcap=%s", p, soft.PortFile(in, p), soft.PortFile(out, p)))
	}
	return strings.Join(args, " ")
}

// multisetDiff describes how two lists of frames differ as multisets, or
// returns "". With subset, only frames of got missing from want count.
func multisetDiff(got, want []soft.Frame, subset bool) string {
	n := map[string]int{}
	for _, f := range want {
		n[string(f.Data)]++
	}
	for _, f := range got {
		n[string(f.Data)]--
	}
	missing, extra := 0, 0
	for _, c := range n {
		if c > 0 {
			missing += c
		} else {
			extra -= c
		}
	}
	if subset {
		missing = 0
	}
	if missing+extra == 0 {
		return ""
	}
	return fmt.Sprintf("%d frames vs %d: %d missing, %d extra", len(got), len(want), missing, extra)
}

// summaryPorts parses the per-port table of an nfrun summary: in, out and
// dropped by port.
func summaryPorts(t *testing.T, summary string) [][3]uint64 {
	t.Helper()
	var rows [][3]uint64
	in := false
	for _, line := range strings.Split(summary, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "port":
			in = true
		case in && len(f) == 9: // port, 4 packet counts, bytes and Gbps (- on DPDK)
			var row [3]uint64
			for i := range row {
				v, err := strconv.ParseUint(f[i+1], 10, 64)
				if err != nil {
					t.Fatalf("summary line %q: %v", line, err)
				}
				row[i] = v
			}
			rows = append(rows, row)
		default:
			in = false
		}
	}
	return rows
}

// nfrun -backend dpdk on net_pcap vdevs, for a few catalog NFs in their
// sequential and parallel forms: exit status 0, the announced set-up on
// stderr, output pcaps with the packets the software backend sends for
// the same input, and a summary that counts them.
func TestDPDKBackend(t *testing.T) {
	bin := nfrunDPDK(t)
	in := t.TempDir()
	if _, stderr, code := runBin(t, tracegenBin, "-packets", "3000", "-flows", "200", "-bidir=0.5", "-sizes", "64,594,1518",
		"-proto", "mix", "-micro", "-out", in); code != 0 {
		t.Fatalf("tracegen: %s", stderr)
	}
	var input [2][]soft.Frame
	for p := range 2 {
		input[p] = readPort(t, soft.PortFile(in, p))
	}
	for _, c := range []struct {
		nf   string
		args []string
		// exact: the output must equal the software backend's on that
		// port. A replay merges the ports by capture time, so even the
		// FW's replies, which pass only if their flow is open, come out
		// the same.
		exact [2]bool
		desc  string
	}{
		{"nop", []string{"-seq"}, [2]bool{true, true}, "sequential, 1 core"},
		{"fw", []string{"-cores", "2"}, [2]bool{true, true}, "parallel, 2 cores, generated RSS"},
		{"dbridge", []string{"-cores", "2"}, [2]bool{true, true}, "parallel, 2 cores"},
	} {
		t.Run(c.nf, func(t *testing.T) {
			out, ref := t.TempDir(), t.TempDir()
			args := append([]string{"-nf", c.nf, "-backend", "dpdk", "-progress", "0", "-eal", ealFor(t, in, out)}, c.args...)
			stdout, stderr, code := runBin(t, bin, args...)
			if code != 0 {
				t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if strings.Contains(stderr, "panic") {
				t.Fatalf("stderr shows a panic:\n%s", stderr)
			}
			// net_pcap has one RX queue, so a parallel NF runs with
			// software dispatch, and nfrun must say so.
			parallel := c.args[0] == "-cores"
			if got := strings.Contains(stderr, "nfrun: dpdk: software dispatch:"); got != parallel {
				t.Errorf("software dispatch announced: %v, want %v; stderr:\n%s", got, parallel, stderr)
			}
			if !strings.Contains(stderr, "packet time: the ports' RX timestamps") {
				t.Errorf("stderr does not say the pcap timestamps are used:\n%s", stderr)
			}
			if want := fmt.Sprintf("nf %s: %s", c.nf, c.desc); !strings.Contains(stdout, want) || !strings.Contains(stdout, "dpdk backend") {
				t.Errorf("summary lacks %q and the backend:\n%s", want, stdout)
			}

			if _, stderr, code := runBin(t, nfrunBin, append([]string{"-nf", c.nf, "-progress", "0", "-trace-order",
				"-in", soft.PortFile(in, 0), "-in", soft.PortFile(in, 1), "-out", ref}, c.args...)...); code != 0 {
				t.Fatalf("software backend: %s", stderr)
			}
			rows := summaryPorts(t, stdout)
			if len(rows) != 2 {
				t.Fatalf("summary has %d port rows:\n%s", len(rows), stdout)
			}
			for p := range 2 {
				got, want := readPort(t, soft.PortFile(out, p)), readPort(t, soft.PortFile(ref, p))
				if c.exact[p] {
					if d := multisetDiff(got, want, false); d != "" {
						t.Errorf("port %d: DPDK and software outputs differ: %s", p, d)
					}
				} else if d := multisetDiff(got, input[1-p], true); d != "" {
					// Not exact, but the NF only ever passes or drops.
					t.Errorf("port %d: the output is not part of port %d's input: %s", p, 1-p, d)
				}
				if len(got) == 0 {
					t.Errorf("port %d: no output", p)
				}
				r := rows[p]
				if r[0] != uint64(len(input[p])) || r[1] != uint64(len(got)) {
					t.Errorf("summary port %d: in %d out %d; the pcaps hold %d in and %d out", p, r[0], r[1], len(input[p]), len(got))
				}
			}
		})
	}
}

// A bad EAL command line, an unknown driver or missing ports end nfrun with
// one line of error (DPDK's reason included) and exit code 1, not a crash
// or DPDK's usage text.
func TestDPDKBadEAL(t *testing.T) {
	bin := nfrunDPDK(t)
	base := "--no-huge -m 256 --no-pci -l 0 --no-shconf --no-telemetry --file-prefix=nfrunbad" + strconv.Itoa(os.Getpid())
	dir := t.TempDir()
	if err := soft.WritePcaps(dir, &soft.Trace{}, 1, true); err != nil {
		t.Fatal(err)
	}
	good := soft.PortFile(dir, 0)
	for _, c := range []struct{ eal, want string }{
		{"--no-such-eal-option " + base, "unrecognized option '--no-such-eal-option'"},
		{base + " --vdev=net_nosuchdriver0", `failed to parse device "net_nosuchdriver0"`},
		{base + " --log-level=*:error", "2 ports wanted, 0 available"},
		// A missing capture file is named, not counted as a missing port.
		{base + " --vdev=net_pcap0,rx_pcap=" + good + ",tx_pcap=" + filepath.Join(dir, "o0.pcap") +
			" --vdev=net_pcap1,rx_pcap=" + filepath.Join(dir, "missing.pcap") + ",tx_pcap=" + filepath.Join(dir, "o1.pcap"),
			"--vdev net_pcap1: input file: open " + filepath.Join(dir, "missing.pcap") + ": no such file or directory"},
	} {
		stdout, stderr, code := runBin(t, bin, "-nf", "nop", "-seq", "-backend", "dpdk", "-eal", c.eal)
		wantError(t, stderr, code, 1, c.want)
		if stdout != "" {
			t.Errorf("-eal %q: stdout %q, want nothing", c.eal, stdout)
		}
	}
}

// DPDK replay of a bidirectional trace whose replies trail their requests
// by a few microseconds equals the software backend's run, port by port,
// with nothing missed: the ports are merged by capture time (a reply is
// never processed before its request, or the FW would drop it) and
// software dispatch waits for room instead of dropping. At -cores 1 (one
// worker reading both ports) and at the default (software dispatch).
func TestDPDKReplayEqualsSoft(t *testing.T) {
	bin := nfrunDPDK(t)
	in := t.TempDir()
	if _, stderr, code := runBin(t, tracegenBin, "-packets", "20000", "-flows", "500", "-bidir=1", "-rate", "1e6",
		"-proto", "mix", "-sizes", "64,594", "-micro", "-out", in); code != 0 {
		t.Fatalf("tracegen: %s", stderr)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"cores1", []string{"-cores", "1"}},
		{"default", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, ref := t.TempDir(), t.TempDir()
			args := append([]string{"-nf", "fw", "-backend", "dpdk", "-progress", "0", "-eal", ealFor(t, in, out)}, c.args...)
			stdout, stderr, code := runBin(t, bin, args...)
			if code != 0 {
				t.Fatalf("exit code %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, "ports merged by capture time") {
				t.Errorf("stderr does not announce the replay merge:\n%s", stderr)
			}
			if _, stderr, code := runBin(t, nfrunBin, append([]string{"-nf", "fw", "-progress", "0", "-trace-order",
				"-in", soft.PortFile(in, 0), "-in", soft.PortFile(in, 1), "-out", ref}, c.args...)...); code != 0 {
				t.Fatalf("software backend: %s", stderr)
			}
			for p := range 2 {
				got, want := readPort(t, soft.PortFile(out, p)), readPort(t, soft.PortFile(ref, p))
				if d := multisetDiff(got, want, false); d != "" {
					t.Errorf("port %d: DPDK and software outputs differ: %s", p, d)
				}
				if len(want) == 0 {
					t.Errorf("port %d: no output to compare", p)
				}
			}
			rows := 0
			inPorts := false
			for _, line := range strings.Split(stdout, "\n") {
				f := strings.Fields(line)
				switch {
				case len(f) == 9 && f[0] == "port" && f[4] == "missed":
					inPorts = true
				case inPorts && len(f) == 9:
					rows++
					if f[4] != "0" {
						t.Errorf("summary reports missed packets on port %s: %s missed", f[0], f[4])
					}
				default:
					inPorts = false
				}
			}
			if rows != 2 {
				t.Errorf("summary has %d port rows:\n%s", rows, stdout)
			}
		})
	}
}

// TestDPDKSIGINT interrupts a DPDK replay of a long capture (not net_pcap's
// infinite_rx: its ports keep the capture in mbufs of nfrun's pool): nfrun
// must stop early, exit 130, and leave the summary and output pcaps that
// hold what it counted.
func TestDPDKSIGINT(t *testing.T) {
	const packets = 500000
	bin := nfrunDPDK(t)
	in, out := t.TempDir(), t.TempDir()
	if _, stderr, code := runBin(t, tracegenBin, "-packets", strconv.Itoa(packets), "-flows", "1000", "-bidir=0.5", "-out", in); code != 0 {
		t.Fatalf("tracegen: %s", stderr)
	}
	stdout, stderr, code := interrupt(t, bin, "-nf", "nop", "-seq", "-backend", "dpdk", "-progress", "1ms", "-eal", ealFor(t, in, out))
	if code != 130 {
		t.Fatalf("exit %d, want 130\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.HasSuffix(stderr, "nfrun: interrupted\n") {
		t.Errorf("stderr does not end with \"nfrun: interrupted\":\n%s", stderr)
	}
	rows := summaryPorts(t, stdout)
	if len(rows) != 2 {
		t.Fatalf("summary has %d port rows:\n%s", len(rows), stdout)
	}
	if n := rows[0][0] + rows[1][0]; n >= packets {
		t.Fatalf("all %d packets processed: the run was not interrupted", n)
	}
	for p := range 2 {
		if got := len(readPort(t, soft.PortFile(out, p))); uint64(got) != rows[p][1] {
			t.Errorf("port %d: the pcap holds %d packets, the summary says %d out", p, got, rows[p][1])
		}
	}
}
