package gen

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestMainPlanFlags runs maestrogen on the FW the way a person would: a
// flag that changes the plan must not rewrite the checked-in file without
// -w, -diff shows the change without writing, and the plain run says in
// one line what it did.
func TestMainPlanFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses the FW twice")
	}
	t.Setenv("GOFILE", "") // not under go generate
	const path = "../examples/fw/fw_maestro_gen.go"
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := Main(args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, out, errOut := run("-strategy", "locks", "-nic", "x710", "../examples/fw")
	if code != 2 || !strings.Contains(errOut, "-nic, -strategy change the plan") || !strings.Contains(errOut, "add -w") || out != "" {
		t.Errorf("-strategy locks -nic x710 without -w: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	code, out, errOut = run("-strategy", "locks", "-diff", "../examples/fw")
	if code != 0 || !strings.Contains(out, "-//\tstrategy: shared-nothing\n+//\tstrategy: locks\n") {
		t.Errorf("-strategy locks -diff: exit %d, stderr %q, diff:\n%s", code, errOut, out)
	}

	code, out, errOut = run("../examples/fw")
	if code != 0 || !strings.HasSuffix(out, "fw_maestro_gen.go is up to date (FW: shared-nothing)\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("plain run: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("%s changed", path)
	}
}

func TestMainVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"-version"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "maestrogen github.com/nfmaestro/maestro ") {
		t.Errorf("-version: exit %d, %q %q", code, stdout.String(), stderr.String())
	}
}

func TestSummary(t *testing.T) {
	g := func(nf, strategy string) *Generated {
		return &Generated{Decision: &Decision{Plan: &Plan{NF: nf, Strategy: strategy}}}
	}
	one := []*Generated{g("FW", SharedNothing)}
	many := []*Generated{g("A", Locks), g("B", Locks), g("C", Locks), g("D", Locks), g("E", Locks)}
	for _, tc := range []struct {
		gens        []*Generated
		wrote, same []string
		want        string
	}{
		{one, []string{"fw_maestro_gen.go"}, nil, "maestrogen: wrote fw_maestro_gen.go (FW: shared-nothing)"},
		{one, nil, []string{"fw_maestro_gen.go"}, "maestrogen: fw_maestro_gen.go is up to date (FW: shared-nothing)"},
		{many, nil, []string{"a", "b", "c", "d", "e"}, "maestrogen: 5 generated files are up to date"},
		{many, []string{"a", "b"}, []string{"c", "d", "e"}, "maestrogen: wrote 2 of 5 generated files (a, b); the others are up to date"},
		{many, []string{"a", "b", "c", "d", "e"}, nil, "maestrogen: wrote 5 generated files (a, b, c and 2 more)"},
	} {
		if got := summary(tc.gens, tc.wrote, tc.same); got != tc.want {
			t.Errorf("summary(%v, %v) = %q, want %q", tc.wrote, tc.same, got, tc.want)
		}
	}
}
