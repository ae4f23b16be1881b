package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

// gen runs tracegen in-process into a new directory and returns it.
func gen(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run(append(args, "-out", dir), &out, &errb); code != 0 {
		t.Fatalf("tracegen %v: exit %d: %s", args, code, errb.String())
	}
	return dir
}

func files(t *testing.T, dir string, ports int) [][]byte {
	t.Helper()
	var all [][]byte
	for port := range ports {
		b, err := os.ReadFile(soft.PortFile(dir, port))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b)
	}
	return all
}

func TestSameSeedSameBytes(t *testing.T) {
	args := []string{"-packets", "2000", "-flows", "50", "-sizes", "imix", "-proto", "mix", "-dist", "zipf", "-churn", "1e6", "-bidir"}
	a := files(t, gen(t, append(args, "-seed", "7")...), 2)
	b := files(t, gen(t, append(args, "-seed", "7")...), 2)
	c := files(t, gen(t, append(args, "-seed", "8")...), 2)
	for port := range a {
		if !bytes.Equal(a[port], b[port]) {
			t.Errorf("port %d: same seed, different files", port)
		}
		if bytes.Equal(a[port], c[port]) {
			t.Errorf("port %d: different seeds, same file", port)
		}
	}
}

func TestPortsAndTimestamps(t *testing.T) {
	dir := gen(t, "-ports", "3", "-packets", "1000", "-flows", "10", "-rate", "1000", "-bidir=1", "-micro")
	tr, err := soft.ReadTrace(soft.PortFile(dir, 0), soft.PortFile(dir, 1), soft.PortFile(dir, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Frames) != 1000 {
		t.Fatalf("%d frames", len(tr.Frames))
	}
	per := make([]int, 3)
	for i, f := range tr.Frames {
		per[f.Port]++
		// 1000 packets per second: one every millisecond, from the start time.
		if want := int64(1e9) + int64(i)*1e6; f.Time != want {
			t.Fatalf("frame %d at %d, want %d", i, f.Time, want)
		}
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if (f.Port == 2) != (p.SrcIP>>24 != 10) {
			t.Fatalf("frame %d on port %d from %x: replies, and only replies, enter the last port", i, f.Port, p.SrcIP)
		}
	}
	if per[0] == 0 || per[1] == 0 || per[2] == 0 {
		t.Errorf("packets per port %v", per)
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-dist", "normal"}, "unknown distribution"},
		{[]string{"-proto", "sctp"}, "unknown protocol"},
		{[]string{"-sizes", "64,x"}, "bad frame size"},
		{[]string{"-flows", "0"}, "flows 0 out of range"},
		{[]string{"-rate", "0"}, "rate 0"},
		{[]string{"-bidir", "0.5"}, "-bidir=F"},
		{[]string{"-ports", "0"}, "ports 0"},
		{[]string{"-nosuch"}, "not defined: -nosuch"},
	} {
		var out, errb bytes.Buffer
		code := run(append(c.args, "-out", filepath.Join(t.TempDir(), "x")), &out, &errb)
		if code != 2 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args, code, errb.String(), c.want)
		}
	}
	// An output directory that cannot be created is a runtime failure.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"-packets", "1", "-out", filepath.Join(file, "sub")}, &out, &errb); code != 1 {
		t.Errorf("unwritable -out: exit %d, %q", code, errb.String())
	}
}

// TestHostile: hostile traffic of every kind, extra port included, is
// written to one more file than -ports, and every frame reads back.
func TestHostile(t *testing.T) {
	dir := gen(t, "-packets", "3000", "-flows", "50", "-hostile", "0.5", "-kinds", "all", "-pool", "-bidir")
	tr, err := soft.ReadTrace(soft.PortFile(dir, 0), soft.PortFile(dir, 1), soft.PortFile(dir, 2))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Frames) != 3000 {
		t.Fatalf("%d frames", len(tr.Frames))
	}
	bad := 0
	for _, f := range tr.Frames {
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if p.Reason != maestro.ReasonOK {
			bad++
		}
	}
	if per := len(tr.Port(2)); per == 0 || bad == 0 {
		t.Errorf("%d frames on the extra port, %d not fully parsed", per, bad)
	}
}

func TestNFFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-nf", "fw", "-out", t.TempDir()}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "nat and lb") {
		t.Errorf("-nf fw: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"-nf", "nat", "-cores", "0", "-out", t.TempDir()}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "-cores 0") {
		t.Errorf("-cores 0: exit %d, stderr %q", code, errb.String())
	}
	// The NAT's own flags exist only with -nf nat.
	errb.Reset()
	if code := run([]string{"-ext-ip", "1.2.3.4", "-out", t.TempDir()}, &out, &errb); code != 2 {
		t.Errorf("-ext-ip without -nf nat: exit %d", code)
	}
	dir := gen(t, "-nf", "nat", "-ext-ip", "198.51.100.7", "-cores", "2", "-packets", "3000", "-flows", "100")
	wan := soft.PortFile(dir, 1)
	tr, err := soft.ReadTrace(wan)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range tr.Frames {
		var p maestro.Packet
		p.Reset(f.Data, 1, f.Time)
		if p.DstIP != 198<<24|51<<16|100<<8|7 {
			t.Fatalf("reply %d to %#x, not the NAT's -ext-ip", i, p.DstIP)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-nf", "nat"}, "nat"},
		{[]string{"--nf=lb", "-nf", "nat"}, "nat"},
		{[]string{"-packets", "-nf"}, ""},
		{[]string{"-seed", "1", "--", "-nf", "lb"}, ""},
	} {
		if got := scanFlag(c.args, "nf"); got != c.want {
			t.Errorf("scanFlag(%q) = %q, want %q", c.args, got, c.want)
		}
	}
	out.Reset()
	if code := run([]string{"-version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "tracegen ") {
		t.Errorf("-version: exit %d, %q", code, out.String())
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "tracegen github.com/nfmaestro/maestro ") {
		t.Errorf("-version: exit %d, %q %q", code, out.String(), errb.String())
	}
}
