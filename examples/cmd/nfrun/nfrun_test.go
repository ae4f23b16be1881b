package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Binaries built once by TestMain.
var nfrunBin, tracegenBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nfrun-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	nfrunBin = filepath.Join(dir, "nfrun")
	tracegenBin = filepath.Join(dir, "tracegen")
	// The go command that runs this test is on PATH (go test puts its own
	// GOROOT/bin first).
	gobin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// One go build for both: one package load, the two links at once.
	if out, err := exec.Command(gobin, "build", "-o", dir+string(filepath.Separator), ".", "../tracegen").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building nfrun and tracegen: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBin runs a binary and returns its stdout, stderr and exit code.
func runBin(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

// wantError checks a failed run printed exactly one line on stderr, with
// the given exit code and text.
func wantError(t *testing.T, stderr string, code, wantCode int, want string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("exit code %d, want %d (stderr %q)", code, wantCode, stderr)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want one line containing %q", stderr, want)
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
		t.Errorf("stderr shows a panic: %q", stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-nf", "nosuch"}, `unknown NF "nosuch" (known: `},
		{nil, "missing -nf NAME"},
		{[]string{"-seq", "-nf"}, "flag needs an argument: -nf"},
		{[]string{"--nf=nop", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"-nf", "nop", "-cores", "0"}, "-cores 0"},
		{[]string{"-nf", "nop", "-seq", "-cores", "4"}, "cannot be combined"},
		{[]string{"-nf", "nop", "-backend", "fpga"}, `unknown -backend "fpga"`},
		{[]string{"-nf", "nop", "-in", "a", "-in", "b", "-in", "c"}, "2 ports but 3 -in files"},
		{[]string{"-nf", "nop", "-packets", "-1"}, "packets -1 is negative"},
		{[]string{"-nf", "nop", "-sizes", "12"}, "frame size 12 out of range"},
		{[]string{"-nf", "nop", "-bidir", "0.3"}, "-bidir=F"},
		{[]string{"-nf", "nop", "-eal", "--no-huge"}, "-eal needs -backend dpdk"},
		{[]string{"-nf", "fw", "-capacity", "0"}, "-capacity 0: need at least 1"},
		{[]string{"-nf", "nat", "-capacity=-1"}, "-capacity -1: need at least 1"},
		{[]string{"-nf", "fw", "-timeout", "-1s"}, "-timeout -1s is negative"},
		{[]string{"-nf", "lb", "-backend-timeout", "-5ms"}, "-backend-timeout -5ms is negative"},
		{[]string{"-nf", "nop", "-progress", "-1s"}, "-progress -1s is negative"},
		{[]string{"-nf", "nop", "-in", "a.pcap", "-packets", "10"}, "-packets generates traffic; it cannot be combined with -in"},
		{[]string{"-nf", "policer", "-gen-rate", "5", "-in", "a.pcap"}, "-gen-rate generates traffic; it cannot be combined with -in"},
		{[]string{"-nf", "nop", "-bidir", "-in", "a.pcap"}, "-bidir generates traffic"},
		{[]string{"-nf", "nop", "-backend", "dpdk", "-flows", "3"}, "-flows generates traffic; -backend dpdk takes its packets from the -eal ports"},
	} {
		_, stderr, code := runBin(t, nfrunBin, c.args...)
		wantError(t, stderr, code, 2, c.want)
	}
}

func TestRuntimeErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pcap")
	_, stderr, code := runBin(t, nfrunBin, "-nf", "nop", "-seq", "-in", missing)
	wantError(t, stderr, code, 1, missing+": no such file or directory")

	corrupt := filepath.Join(dir, "corrupt.pcap")
	if _, _, code := runBin(t, tracegenBin, "-packets", "10", "-flows", "2", "-out", dir); code != 0 {
		t.Fatal("tracegen failed")
	}
	data, err := os.ReadFile(soft.PortFile(dir, 0))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(corrupt, data[:len(data)-5], 0o644)
	_, stderr, code = runBin(t, nfrunBin, "-nf", "nop", "-seq", "-in", soft.PortFile(dir, 1), "-in", corrupt)
	wantError(t, stderr, code, 1, corrupt+": record ")

	// A record above soft.MaxRecord is refused, naming the file and record.
	giant := filepath.Join(dir, "giant.pcap")
	os.WriteFile(giant, hostilePcap(0xffff, testFrameN(60), make([]byte, soft.MaxRecord+1)), 0o644)
	_, stderr, code = runBin(t, nfrunBin, "-nf", "nop", "-seq", "-in", giant)
	wantError(t, stderr, code, 1, giant+": record 2: record larger than the 262144-byte maximum")

	_, stderr, code = runBin(t, nfrunBin, "-nf", "nat", "-ext-ip", "1.2.3", "-cores", "2")
	wantError(t, stderr, code, 1, "-ext-ip")

	_, stderr, code = runBin(t, nfrunBin, "-nf", "nop", "-seq", "-backend", "dpdk")
	wantError(t, stderr, code, 1, "built without DPDK support; rebuild with -tags dpdk")
}

// hostilePcap returns a little-endian pcap whose header claims snaplen,
// holding frames.
func hostilePcap(snaplen uint32, frames ...[]byte) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0xa1b2c3d4)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint64(b, 0)
	b = le.AppendUint32(b, snaplen)
	b = le.AppendUint32(b, 1)
	for i, f := range frames {
		b = le.AppendUint32(b, uint32(i+1))
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(len(f)))
		b = le.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func testFrameN(size int) []byte {
	return maestro.AppendFrame(nil, maestro.Frame{SrcIP: 0x0a000001, DstIP: 0x0b000001, Proto: maestro.ProtoUDP, SrcPort: 1, DstPort: 2, Size: size})
}

// A 100-byte pcap whose header claims a 4 GiB snaplen runs in bounded
// memory: nfrun is run under a 2 GiB address-space limit, half of what the
// header asks for (1 GiB proved too tight for the runtime's thread stacks
// on a loaded machine: pthread_create failed before the capture was read).
func TestHugeSnaplen(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.pcap")
	data := hostilePcap(0xffffffff, testFrameN(60))
	if len(data) != 100 {
		t.Fatalf("crafted pcap has %d bytes", len(data))
	}
	os.WriteFile(huge, data, 0o644)
	out := filepath.Join(dir, "out")
	cmd := exec.Command("sh", "-c", `ulimit -v 2097152 && exec "$0" "$@"`, nfrunBin, "-nf", "nop", "-seq", "-progress", "0", "-in", huge, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nfrun on a pcap claiming a 4 GiB snaplen: %v\n%s", err, b)
	}
	if got := readPort(t, soft.PortFile(out, 1)); len(got) != 1 {
		t.Errorf("port 1 sent %d frames, want 1", len(got))
	}
}

// readPort reads one capture file.
func readPort(t *testing.T, path string) []soft.Frame {
	t.Helper()
	tr, err := soft.ReadTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Frames
}

func TestNOPSwapsPorts(t *testing.T) {
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	if _, stderr, code := runBin(t, tracegenBin, "-packets", "3000", "-flows", "300", "-bidir=0.5", "-sizes", "imix", "-proto", "mix", "-out", in); code != 0 {
		t.Fatalf("tracegen: %s", stderr)
	}
	in0, in1 := readPort(t, soft.PortFile(in, 0)), readPort(t, soft.PortFile(in, 1))
	if len(in0) == 0 || len(in1) == 0 {
		t.Fatalf("tracegen wrote %d and %d packets", len(in0), len(in1))
	}
	for _, mode := range [][]string{{"-seq"}, {"-seq", "-trace-order"}} {
		args := append([]string{"-nf", "nop", "-in", soft.PortFile(in, 0), "-in", soft.PortFile(in, 1), "-out", out, "-progress", "0"}, mode...)
		stdout, stderr, code := runBin(t, nfrunBin, args...)
		if code != 0 || stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", mode, code, stderr)
		}
		// Every packet that entered port 0 leaves by port 1, and vice versa,
		// unchanged and in order.
		for _, c := range []struct {
			got, want []soft.Frame
		}{{readPort(t, soft.PortFile(out, 1)), in0}, {readPort(t, soft.PortFile(out, 0)), in1}} {
			if len(c.got) != len(c.want) {
				t.Fatalf("%v: %d packets out, %d in", mode, len(c.got), len(c.want))
			}
			for i := range c.got {
				if !bytes.Equal(c.got[i].Data, c.want[i].Data) || c.got[i].Time != c.want[i].Time {
					t.Fatalf("%v: packet %d differs", mode, i)
				}
			}
		}
		// The summary: port 0 received in0 and sent in1, nothing dropped.
		// Port rows carry bytes and Gbps after the packet counts: compare
		// the first five columns.
		lines := map[string]bool{}
		for _, l := range strings.Split(stdout, "\n") {
			f := strings.Fields(l)
			lines[strings.Join(f[:min(5, len(f))], " ")] = true
		}
		for _, want := range []string{
			fmt.Sprintf("0 %d %d 0 0", len(in0), len(in1)),
			fmt.Sprintf("1 %d %d 0 0", len(in1), len(in0)),
			fmt.Sprintf("0 %d %d 0 100.0%%", len(in0)+len(in1), len(in0)+len(in1)),
		} {
			if !lines[want] {
				t.Errorf("%v: summary lacks a line %q:\n%s", mode, want, stdout)
			}
		}
		if !strings.Contains(stdout, fmt.Sprintf("total: %d packets", len(in0)+len(in1))) {
			t.Errorf("%v: summary lacks the total:\n%s", mode, stdout)
		}
		if sum, err := os.ReadFile(filepath.Join(out, "summary.txt")); err != nil || string(sum) != stdout {
			t.Errorf("%v: summary.txt differs from stdout (%v)", mode, err)
		}
	}
}

func TestGeneratedTraffic(t *testing.T) {
	stdout, stderr, code := runBin(t, nfrunBin, "-nf", "nop", "-packets", "5000", "-flows", "100", "-progress", "0")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// No -seq and no -cores: the generated parallel NF runs.
	if !strings.Contains(stdout, "parallel") || !strings.Contains(stdout, "total: 5000 packets") {
		t.Errorf("stdout %q\nstderr %q", stdout, stderr)
	}
}

// TestSeqAndParallelAgree runs the firewall sequentially and on 4 cores over
// the same pcaps: each output port must get the same packets, and within
// each flow in the same order (across flows, cores may interleave).
func TestSeqAndParallelAgree(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runBin(t, tracegenBin, "-packets", "20000", "-flows", "500", "-dist", "zipf", "-out", dir); code != 0 {
		t.Fatalf("tracegen: %s", stderr)
	}
	in := []string{"-in", soft.PortFile(dir, 0), "-in", soft.PortFile(dir, 1)}
	seqOut, parOut := filepath.Join(dir, "seq"), filepath.Join(dir, "par")
	for _, args := range [][]string{
		append([]string{"-nf", "fw", "-seq", "-out", seqOut, "-progress", "0"}, in...),
		append([]string{"-nf", "fw", "-cores", "4", "-out", parOut, "-progress", "0"}, in...),
	} {
		if _, stderr, code := runBin(t, nfrunBin, args...); code != 0 {
			t.Fatalf("nfrun %v: %s", args, stderr)
		}
	}
	byFlow := func(frames []soft.Frame) map[maestro.FlowID][]string {
		out := map[maestro.FlowID][]string{}
		for _, f := range frames {
			var p maestro.Packet
			p.Reset(f.Data, f.Port, f.Time)
			out[p.Flow()] = append(out[p.Flow()], string(f.Data))
		}
		return out
	}
	total := 0
	for port := range 2 {
		seq := readPort(t, soft.PortFile(seqOut, port))
		par := readPort(t, soft.PortFile(parOut, port))
		total += len(seq)
		if len(seq) != len(par) {
			t.Fatalf("port %d: sequential sent %d packets, parallel %d", port, len(seq), len(par))
		}
		sf, pf := byFlow(seq), byFlow(par)
		if len(sf) != len(pf) {
			t.Fatalf("port %d: %d flows vs %d", port, len(sf), len(pf))
		}
		for id, want := range sf {
			got := pf[id]
			if len(got) != len(want) {
				t.Fatalf("port %d flow %+v: %d packets vs %d", port, id, len(want), len(got))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("port %d flow %+v: packet %d differs or is out of order", port, id, i)
				}
			}
		}
	}
	if total == 0 {
		t.Fatal("the firewall forwarded nothing: the comparison proves nothing")
	}
}

func TestScanNF(t *testing.T) {
	for _, c := range []struct {
		args    []string
		name    string
		help    bool
		version bool
	}{
		{[]string{"-nf", "fw"}, "fw", false, false},
		{[]string{"-seq", "--nf=nat", "-h"}, "nat", true, false},
		{[]string{"-eal", "-nf x", "-nf", "lb"}, "lb", false, false},
		{[]string{"-nf=a", "-nf", "b"}, "b", false, false},
		{[]string{"--", "-nf", "fw"}, "", false, false},
		{[]string{"-in", "-nf"}, "", false, false},
		{[]string{"-version"}, "", false, true},
		{[]string{"-nf", "fw", "--version=true"}, "fw", false, true},
		{[]string{"-loop", "-version", "-version=false"}, "", false, false},
	} {
		name, help, version, err := scanNF(c.args)
		if err != nil || name != c.name || help != c.help || version != c.version {
			t.Errorf("scanNF(%q) = %q, %v, %v, %v; want %q, %v, %v", c.args, name, help, version, err, c.name, c.help, c.version)
		}
	}
}

// pcapRecord is one record of pcapOf: a timestamp in seconds, the captured
// bytes and the wire length.
type pcapRecord struct {
	sec  uint32
	data []byte
	wire int
}

// pcapOf returns a little-endian microsecond pcap holding recs.
func pcapOf(recs ...pcapRecord) []byte {
	le := binary.LittleEndian
	b := hostilePcap(0xffff)
	for _, r := range recs {
		b = le.AppendUint32(b, r.sec)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, uint32(len(r.data)))
		b = le.AppendUint32(b, uint32(r.wire))
		b = append(b, r.data...)
	}
	return b
}

// TestSuspiciousCaptures: a capture with records cut by its snaplen and
// timestamps that go backwards runs, with one warning line for each, with
// counts, naming the file; the clean capture gets none.
func TestSuspiciousCaptures(t *testing.T) {
	dir := t.TempDir()
	full := testFrameN(100)
	odd, clean := filepath.Join(dir, "odd.pcap"), filepath.Join(dir, "clean.pcap")
	os.WriteFile(odd, pcapOf(
		pcapRecord{1, full, len(full)},
		pcapRecord{3, full[:60], len(full)},
		pcapRecord{2, full, len(full)},
		pcapRecord{2, full[:80], len(full)},
		pcapRecord{1, full[:80], len(full)},
	), 0o644)
	os.WriteFile(clean, pcapOf(pcapRecord{1, full, len(full)}, pcapRecord{1, full, len(full)}), 0o644)
	stdout, stderr, code := runBin(t, nfrunBin, "-nf", "nop", "-seq", "-progress", "0", "-in", clean, "-in", odd)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	want := []string{
		"nfrun: warning: " + odd + ": 3 of 5 records truncated by the capture's snaplen",
		"nfrun: warning: " + odd + ": timestamps go backwards 2 time(s) in 5 records",
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(want), stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("stderr line %d: %q, want it to start with %q", i+1, lines[i], w)
		}
	}
	if !strings.Contains(stdout, "total: 7 packets") {
		t.Errorf("summary does not count all 7 packets:\n%s", stdout)
	}
}
