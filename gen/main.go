package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// Diagnostic is one analyzer finding that stops generation.
type Diagnostic struct {
	Pos     string // file:line:col
	Code    string // stable code, e.g. "MAE001"
	Message string
}

// String formats d as "file:line:col: code message".
func (d Diagnostic) String() string { return fmt.Sprintf("%s: %s %s", d.Pos, d.Code, d.Message) }

// ErrDiagnostics is returned (wrapped) when the analyzer reports rule
// violations: maestrogen refuses to generate code for a broken NF.
var ErrDiagnostics = errors.New("the NF breaks Maestro's rules; fix the diagnostics above")

// GeneratePackages analyzes the packages matching patterns (relative to
// dir) and generates a file per NF, in memory. It returns the analyzer's
// diagnostics and ErrDiagnostics if there are any.
func GeneratePackages(dir string, patterns []string, opts Options) ([]*Generated, []Diagnostic, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	plans, diags, err := Analyze(dir, patterns)
	if err != nil {
		return nil, nil, err
	}
	if len(diags) > 0 {
		return nil, diags, ErrDiagnostics
	}
	pkgs, err := LoadTypes(dir, patterns...)
	if err != nil {
		return nil, nil, err
	}
	byPath := map[string]*Package{}
	for _, p := range pkgs {
		byPath[p.Path] = p
	}
	count := map[string]int{}
	for _, p := range plans {
		count[p.Package]++
	}
	var out []*Generated
	for _, p := range plans {
		pkg := byPath[p.Package]
		if pkg == nil {
			return nil, nil, fmt.Errorf("analyzer planned %s in %s, which was not loaded", p.NF, p.Package)
		}
		g, err := Generate(p, pkg.Types, count[p.Package], opts)
		if err != nil {
			return nil, nil, err
		}
		g.Dir = pkg.Dir
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		return filepath.Join(out[i].Dir, out[i].Name) < filepath.Join(out[j].Dir, out[j].Name)
	})
	return out, nil, nil
}

// Main is maestrogen: it parses args (without the program name), runs the
// generator on the packages named (the one in the current directory by
// default, which is the NF's under go generate) and writes each NF's file,
// or prints the plans with -json or -explain. It returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("maestrogen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts Options
	asJSON := fs.Bool("json", false, "print the plan as JSON (DESIGN §6) instead of writing files")
	explain := fs.Bool("explain", false, "print the plan for people instead of writing files")
	fs.StringVar(&opts.Strategy, "strategy", Auto, "auto, shared-nothing or locks (forcing shared-nothing on an NF that cannot be sharded is an error)")
	fs.StringVar(&opts.NIC, "nic", DefaultNIC, "NIC profile the RSS keys are solved for (generic, 82599, x710, e810, cx5)")
	fs.Int64Var(&opts.Seed, "seed", DefaultSeed, "RSS solver seed; the same seed gives the same keys")
	fs.IntVar(&opts.Cores, "cores", DefaultCores, "cores of the RETA printed by -json and -explain")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: maestrogen [flags] [packages]\n\nGenerates <nf>_maestro_gen.go, the parallel version of each //maestro:nf type,\nin the package in the current directory or the packages named.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if opts.Seed == 0 {
		fmt.Fprintln(stderr, "maestrogen: -seed 0 is reserved (it means the default); pick another seed")
		return 2
	}
	gens, diags, err := GeneratePackages(".", fs.Args(), opts)
	for _, d := range diags {
		fmt.Fprintln(stderr, d)
	}
	if err != nil {
		fmt.Fprintf(stderr, "maestrogen: %v\n", err)
		return 1
	}
	if len(gens) == 0 {
		fmt.Fprintln(stderr, "maestrogen: no //maestro:nf type found")
		return 1
	}
	switch {
	case *asJSON:
		var v any = gens[0].Decision.Plan
		if len(gens) > 1 {
			var ps []*Plan
			for _, g := range gens {
				ps = append(ps, g.Decision.Plan)
			}
			v = ps
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			fmt.Fprintf(stderr, "maestrogen: %v\n", err)
			return 1
		}
	case *explain:
		for _, g := range gens {
			fmt.Fprint(stdout, g.Decision.Plan.Explain())
		}
	default:
		for _, g := range gens {
			if err := writeIfChanged(filepath.Join(g.Dir, g.Name), g.Source); err != nil {
				fmt.Fprintf(stderr, "maestrogen: %v\n", err)
				return 1
			}
		}
	}
	return 0
}

// writeIfChanged writes data to path unless the file already holds it, so
// that an unchanged NF leaves the file's modification time (and build
// caches) alone.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}
