package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The NF of the test module: n is written without //maestro:state
// (MAE001, blocking, with a fix) and macs is keyed by MAC address (MAE003,
// locks), which the NF acknowledges.
const nfSource = `package nf

import "github.com/nfmaestro/maestro/maestro"

type Config struct{}

//maestro:nf
//maestro:ack MAE003 a bridge keys by MAC address
type Counter struct {
	n int
	//maestro:state
	macs *maestro.Table[maestro.MAC, int]
}

func New(Config) *Counter { return &Counter{macs: maestro.NewTable[maestro.MAC, int](16, 0)} }

func (c *Counter) Process(p *maestro.Packet) maestro.Verdict {
	c.n++
	c.macs.Insert(p.EthSrc, 0, p.Time)
	return maestro.Drop
}
`

// setup builds maestrovet and writes a module that uses this one through a
// replace directive; it returns the binary and the module's directory.
func setup(t *testing.T) (bin, mod string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds maestrovet and runs the go command")
	}
	_, file, _, _ := runtime.Caller(0)
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin = filepath.Join(tmp, "maestrovet")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mod = filepath.Join(tmp, "nf")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod": "module example.com/nf\n\ngo 1.26\n\nrequire github.com/nfmaestro/maestro v0.0.0\n\nreplace github.com/nfmaestro/maestro => " + root + "\n",
		"go.sum": string(sum),
		"nf.go":  nfSource,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return bin, mod
}

// run runs name with args in dir and returns its combined output and exit
// code.
func run(t *testing.T, dir, name string, args ...string) (string, int) {
	t.Helper()
	out, code, err := runCmd(dir, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out, code
}

// runCmd is run without the test: it returns the errors other than an exit
// code.
func runCmd(dir, name string, args ...string) (string, int, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0, nil
	case errors.As(err, &ee):
		return string(out), ee.ExitCode(), nil
	}
	return "", -1, err
}

// runAll runs the commands at once in dir (each spends much of its time in
// a single process, go list or the analysis) and returns each one's output
// and exit code, in order.
func runAll(t *testing.T, dir string, cmds ...[]string) (outs []string, codes []int) {
	t.Helper()
	outs, codes = make([]string, len(cmds)), make([]int, len(cmds))
	errs := make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Go(func() { outs[i], codes[i], errs[i] = runCmd(dir, c[0], c[1:]...) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(cmds[i], " "), err)
		}
	}
	return outs, codes
}

// TestVet runs maestrovet standalone and under go vet on the module: -version, the
// exit codes, the -json categories, -fix applying MAE001's suggested fix,
// and the acknowledged MAE003 staying silent throughout.
func TestVet(t *testing.T) {
	bin, mod := setup(t)
	const mae001 = "nf.go:18:4: MAE001: assignment writes field n of Counter"

	// The runs before -fix only read the module: they run at once.
	outs, codes := runAll(t, mod,
		[]string{bin, "-version"},
		[]string{"go", "vet", "-vettool=" + bin, "./..."},
		[]string{bin, "./..."},
		[]string{bin, "-json", "./..."})

	out, code := outs[0], codes[0]
	if code != 0 || !strings.HasPrefix(out, "maestrovet github.com/nfmaestro/maestro ") {
		t.Fatalf("maestrovet -version: exit %d, %q", code, out)
	}

	out, code = outs[1], codes[1]
	if code != 1 || !strings.Contains(out, mae001) {
		t.Fatalf("go vet: exit %d, want 1 with %q:\n%s", code, mae001, out)
	}
	if strings.Contains(out, "MAE003") {
		t.Errorf("go vet reported the acknowledged MAE003:\n%s", out)
	}
	out, code = outs[2], codes[2]
	if code != 3 || !strings.Contains(out, mae001) {
		t.Fatalf("maestrovet: exit %d, want 3 with %q:\n%s", code, mae001, out)
	}

	out, code = outs[3], codes[3]
	if code != 0 {
		t.Fatalf("maestrovet -json: exit %d:\n%s", code, out)
	}
	var tree map[string]map[string][]struct {
		Category string `json:"category"`
		Message  string `json:"message"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		t.Fatalf("maestrovet -json: %v:\n%s", err, out)
	}
	diags := tree["example.com/nf"]["stateaccess"]
	if len(diags) != 1 || diags[0].Category != "MAE001/blocking" || !strings.HasPrefix(diags[0].Message, "MAE001:") {
		t.Fatalf("maestrovet -json: %+v, want one MAE001/blocking", diags)
	}

	if out, code = run(t, mod, bin, "-fix", "./..."); code != 0 {
		t.Fatalf("maestrovet -fix: exit %d:\n%s", code, out)
	}
	src, err := os.ReadFile(filepath.Join(mod, "nf.go"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "type Counter struct {\n\t//maestro:state\n\tn int\n"; !strings.Contains(string(src), want) {
		t.Fatalf("maestrovet -fix did not add //maestro:state to n:\n%s", src)
	}
	// Now n is state, but not a container: the next finding says so, and
	// the acknowledged MAE003 stays silent.
	out, code = run(t, mod, "go", "vet", "-vettool="+bin, "./...")
	if code != 1 || !strings.Contains(out, "nf.go:11:2: MAE010: //maestro:state field n has type int") || strings.Contains(out, "MAE001") || strings.Contains(out, "MAE003") {
		t.Fatalf("go vet after -fix: exit %d, want 1 with MAE010 only:\n%s", code, out)
	}
}

func TestWantsVersion(t *testing.T) {
	for args, want := range map[string]bool{
		"-version": true, "--version": true, "-json -version": true, "-version=true": true,
		"./... -version": false, "-json ./...": false, "": false, "-version=false": false,
	} {
		if got := wantsVersion(strings.Fields(args)); got != want {
			t.Errorf("wantsVersion(%q) = %v", args, got)
		}
	}
}
