package gen

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The NF of the outside module: it counts packets per LAN source address
// and drops a source past its limit. It is shared-nothing (keyed by
// SrcIP).
// The go:generate line is split so that go generate in this repository
// does not run it.
const outsideNF = `// Package counter is an NF written outside the Maestro repository.
package counter

import "github.com/nfmaestro/maestro/maestro"

` + "//go:" + `generate go tool maestrogen

// Ports.
const (
	LAN maestro.Port = 0
	WAN maestro.Port = 1
)

// Config configures a Counter.
type Config struct{ Limit int }

// Counter drops a LAN source after Limit packets.
//
//maestro:nf
type Counter struct {
	//maestro:state
	seen  *maestro.Table[uint32, int]
	limit int
}

// New returns an empty Counter.
func New(cfg Config) *Counter {
	if cfg.Limit <= 0 {
		cfg.Limit = 3
	}
	return &Counter{seen: maestro.NewTable[uint32, int](1<<16, 1e9), limit: cfg.Limit}
}

// Process counts LAN packets and forwards WAN ones.
func (c *Counter) Process(p *maestro.Packet) maestro.Verdict {
	c.seen.Expire(p.Time)
	if p.InPort != LAN {
		return maestro.Forward(LAN)
	}
	i, ok := c.seen.Find(p.SrcIP)
	if !ok {
		if i, ok = c.seen.Insert(p.SrcIP, 0, p.Time); !ok {
			return maestro.Drop
		}
	}
	n := c.seen.At(i) + 1
	c.seen.Set(i, n)
	if n > c.limit {
		return maestro.Drop
	}
	return maestro.Forward(WAN)
}
`

// outsideTest is the NF's differential test, as an author writes it.
const outsideTest = `//go:build !maestrogen

package counter

import (
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
)

func TestParallelMatchesSequential(t *testing.T) {
	traces, err := maestrotest.StandardTraces(maestrotest.TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seq := func() maestro.NF { return New(Config{}) }
	maestrotest.CheckMatrix(t, traces,
		maestrotest.Case{Name: "parallel", Seq: seq, SharedNothing: true,
			Par: func(cores int) (maestrotest.Parallel, error) { return NewParallel(Config{}, cores) }},
	)
}
`

// outsideMain runs the parallel NF on generated traffic with the software
// NIC, its RSS taken from the NF.
const outsideMain = `package main

import (
	"context"
	"fmt"
	"log"

	"example.com/counter"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

func main() {
	cfg := traffic.DefaultConfig()
	cfg.Flows, cfg.Packets = 100, 5000
	trace, err := traffic.Generate(cfg)
	if err != nil {
		log.Fatal(err)
	}
	par, err := counter.NewParallel(counter.Config{}, 2)
	if err != nil {
		log.Fatal(err)
	}
	// RunNF programs the software NIC with the NF's own RSS().
	res, err := soft.RunNF(context.Background(), par, soft.Job{Source: trace.Reader(), Config: soft.Config{Mode: soft.Concurrent}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("processed %d packets\n", res.Packets)
}
`

// outsideSecondNF is a second NF added to the package later, with its own
// constructor.
const outsideSecondNF = `package counter

import "github.com/nfmaestro/maestro/maestro"

// Mirror forwards every packet back out of the port it came in on.
//
//maestro:nf NewMirror
type Mirror struct{}

// NewMirror returns a Mirror.
func NewMirror(Config) *Mirror { return &Mirror{} }

// Process reflects the packet.
func (m *Mirror) Process(p *maestro.Packet) maestro.Verdict { return maestro.Forward(p.InPort) }
`

// TestOutsideModule is the workflow of an NF author in a module of their
// own, as the README states it: Maestro's commands as go tools of the
// module (a replace directive stands for the published module), go
// generate, go mod tidy, go build, go vet with maestrovet, a differential
// test and a run. Then what happens later in such a module: a flag that
// changes the plan, an NF that changes (the stale generated file says run
// go generate) and a second NF (the first keeps its names).
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module outside the repository with the go command")
	}
	t.Parallel() // mostly waits for go commands: overlap it with the other tests
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOFILE=")
	run := func(dir string, args ...string) (string, error) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = filepath.Join(mod, dir)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	must := func(dir string, args ...string) string {
		t.Helper()
		out, err := run(dir, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	write := func(name, text string) {
		t.Helper()
		path := filepath.Join(mod, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) []byte {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(mod, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}

	// Set up: the module, Maestro as a dependency and its commands as
	// tools. (go get -tool PATH@VERSION needs the published module: with a
	// replace directive, go mod edit -tool and go mod tidy do the same.)
	write("go.mod", "module example.com/counter\n\ngo 1.26\n")
	must(".", "go", "mod", "edit", "-require=github.com/nfmaestro/maestro@v0.0.0", "-replace=github.com/nfmaestro/maestro="+root,
		"-tool=github.com/nfmaestro/maestro/gen/cmd/maestrogen", "-tool=github.com/nfmaestro/maestro/analyzers/cmd/maestrovet")
	must(".", "go", "mod", "tidy")
	write("counter.go", outsideNF)
	write("counter_test.go", outsideTest)
	write("cmd/run/main.go", outsideMain)

	// Generate, tidy, build, vet, test, run.
	if out := must(".", "go", "generate", "./..."); !strings.Contains(out, "maestrogen: wrote counter_maestro_gen.go (Counter: shared-nothing)") {
		t.Errorf("go generate printed %q", out)
	}
	must(".", "go", "mod", "tidy")
	must(".", "go", "build", "./...")
	vettool := strings.TrimSpace(must(".", "go", "tool", "-n", "maestrovet"))

	// Vet, test, run and the maestrogen runs that write nothing only read
	// the module: they run at once, as each go command spends much of its
	// time in a single process (go list, the linker, the test binary).
	gen := read("counter_maestro_gen.go")
	type result struct {
		out string
		err error
	}
	readers := [][]string{
		{"go", "vet", "-vettool=" + vettool, "./..."},
		{"go", "test", "./..."},
		{"go", "run", "./cmd/run"},
		{"go", "tool", "maestrogen", "-version"},
		{"go", "tool", "maestrogen", "-nic", "82599"},
		{"go", "tool", "maestrogen", "-nic", "82599", "-diff"},
	}
	res := make([]result, len(readers))
	var wg sync.WaitGroup
	for i, args := range readers {
		wg.Go(func() { res[i].out, res[i].err = run(".", args...) })
	}
	wg.Wait()
	// mustOK is must for a command run above.
	mustOK := func(i int) string {
		t.Helper()
		if res[i].err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(readers[i], " "), res[i].err, res[i].out)
		}
		return res[i].out
	}
	if res[0].err != nil {
		t.Errorf("go vet -vettool=maestrovet: %v\n%s", res[0].err, res[0].out)
	}
	mustOK(1)
	if out := mustOK(2); !strings.Contains(out, "processed 5000 packets") {
		t.Errorf("run printed %q", out)
	}
	if out := mustOK(3); !strings.HasPrefix(out, "maestrogen github.com/nfmaestro/maestro v0.0.0 => "+root) {
		t.Errorf("maestrogen -version: %q", out)
	}

	// A flag that changes the plan prints or needs -w.
	if out, err := res[4].out, res[4].err; err == nil || !strings.Contains(out, "add -w") {
		t.Errorf("maestrogen -nic 82599 without -w: %v\n%s", err, out)
	}
	if !bytes.Equal(read("counter_maestro_gen.go"), gen) {
		t.Fatal("maestrogen -nic 82599 without -w rewrote the generated file")
	}
	if out := mustOK(5); !strings.Contains(out, "+//\tRSS port 0: key ") {
		t.Errorf("maestrogen -nic 82599 -diff printed no key change:\n%s", out)
	}
	must(".", "go", "tool", "maestrogen", "-nic", "82599", "-w")
	if bytes.Equal(read("counter_maestro_gen.go"), gen) {
		t.Error("maestrogen -nic 82599 -w did not write")
	}
	must(".", "go", "generate", "./...")
	if !bytes.Equal(read("counter_maestro_gen.go"), gen) {
		t.Error("go generate did not restore the default plan's file")
	}

	// The NF changes: the stale generated file says run go generate, and
	// go generate (which leaves it out) fixes it.
	write("counter.go", strings.Replace(outsideNF, "\tlimit int\n", "\tlimit int\n\tname  string\n", 1))
	out, err := run(".", "go", "build", "./...")
	if err == nil || !strings.Contains(out, "counter_maestro_gen.go") || !strings.Contains(out, "run_go_generate") {
		t.Fatalf("go build of a stale generated file: %v, want an error saying run go generate:\n%s", err, out)
	}
	t.Logf("stale generated file: %s", out)
	must(".", "go", "generate", "./...")
	must(".", "go", "build", "./...")
	gen = read("counter_maestro_gen.go")

	// A second NF: the first keeps its file, hence its names.
	write("mirror.go", outsideSecondNF)
	must(".", "go", "generate", "./...")
	if !bytes.Equal(read("counter_maestro_gen.go"), gen) {
		t.Error("adding a second NF changed the first NF's generated file")
	}
	if !bytes.Contains(read("mirror_maestro_gen.go"), []byte("func NewMirrorParallel(cfg Config, cores int)")) {
		t.Error("the second NF's parallel constructor is not NewMirrorParallel")
	}
	must(".", "go", "build", "./...")
	if out, err := run(".", "go", "vet", "-vettool="+vettool, "./..."); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		t.Errorf("go vet with two NFs: %v\n%s", err, out)
	}
}
