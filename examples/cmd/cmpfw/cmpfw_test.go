package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the test binary act as cmpfw's Go worker: compare runs
// os.Executable with -worker.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "-worker" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-flows", "x"},
		{"-flows", "0"},
		{"-packets", "0"},
		{"-pairs", "0"},
		{"-timeout", "-1s"},
		{"-impls", "rust"},
		{"extra"},
		{"-worker", "go", "trace"},
		{"-flows", "1,2", "-trace-out", "x"},
	} {
		var stderr bytes.Buffer
		if code := run(args, &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}

func TestParseResult(t *testing.T) {
	kv, err := parseResult([]byte("1\n-1\npackets=4 passed=3 cpu_ns=800 state_bytes_per_flow=56.00\n"))
	if err != nil || kv["passed"] != 3 || kv["cpu_ns"] != 800 || kv["state_bytes_per_flow"] != 56 {
		t.Fatalf("parseResult: %v, %v", kv, err)
	}
	if _, err := parseResult([]byte("packets=4 passed=3\n")); err == nil {
		t.Error("a result without cpu_ns parsed")
	}
}

// TestCompareSmall runs the whole comparison on a small trace: the C and Go
// FWs must pass the same packets, or compare fails.
func TestCompareSmall(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("environment has no gcc to build the C baseline")
	}
	o, _, err := parseFlags([]string{"-flows", "300", "-packets", "3000", "-pairs", "2"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := compare(o, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{"| 300 | c |", "| 300 | go |", "| 300 | idiomatic |"} {
		if !strings.Contains(out.String(), row) {
			t.Fatalf("no row %q in\n%s", row, out.String())
		}
	}
}
