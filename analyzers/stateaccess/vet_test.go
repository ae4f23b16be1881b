package stateaccess_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoVetTool builds maestrovet and runs it under go vet -vettool on a
// module that uses this one through a replace directive: the diagnostic
// must come out of the vet protocol (unitchecker), not only standalone.
func TestGoVetTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and runs go vet")
	}
	root, err := filepath.Abs(moduleRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "maestrovet")
	build := exec.Command("go", "build", "-o", bin, "./analyzers/cmd/maestrovet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mod := filepath.Join(tmp, "nf")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod": "module example.com/nf\n\ngo 1.26\n\nrequire github.com/nfmaestro/maestro v0.0.0\n\nreplace github.com/nfmaestro/maestro => " + root + "\n",
		"nf.go": `package nf

import "github.com/nfmaestro/maestro/maestro"

//maestro:nf
type Counter struct {
	n int
}

func New() *Counter { return &Counter{} }

func (c *Counter) Process(p *maestro.Packet) maestro.Verdict {
	c.n++
	return maestro.Drop
}
`,
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(mod, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vet := exec.Command("go", "vet", "-vettool="+bin, "./...")
	vet.Dir = mod
	vet.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
	out, err := vet.CombinedOutput()
	if err == nil {
		t.Fatalf("go vet succeeded on an NF writing an unannotated field:\n%s", out)
	}
	if !strings.Contains(string(out), "nf.go:13:") || !strings.Contains(string(out), "MAE001: assignment writes field n of Counter") {
		t.Fatalf("go vet output lacks the MAE001 diagnostic at nf.go:13:\n%s", out)
	}
}
