package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/nfmaestro/maestro/internal/buildinfo"
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
	var out []*Generated
	for _, p := range plans {
		pkg := byPath[p.Package]
		if pkg == nil {
			return nil, nil, fmt.Errorf("analyzer planned %s in %s, which was not loaded", p.NF, p.Package)
		}
		g, err := Generate(p, pkg.Types, opts)
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

// planFlags are the flags that change the plan, hence the generated file:
// run by hand, they print (-diff, -explain, -json) or need -w, so that a
// checked-in file is never silently replaced by one go generate would not
// write.
var planFlags = []string{"strategy", "nic", "seed"}

// Main is maestrogen: it parses args (without the program name), runs the
// generator on the packages named (the one in the current directory by
// default, which is the NF's under go generate) and writes each NF's file,
// or prints the plans with -json or -explain, or the changes with -diff.
// It returns the exit code: 0 success, 1 failure (the diagnostics or the
// error are printed), 2 bad usage.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("maestrogen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts Options
	asJSON := fs.Bool("json", false, "print the plan as JSON instead of writing files")
	explain := fs.Bool("explain", false, "print the plan for people instead of writing files")
	diff := fs.Bool("diff", false, "print how the generated files would change instead of writing them")
	write := fs.Bool("w", false, "write the files even though -strategy, -nic or -seed change the plan")
	version := buildinfo.Flag(fs)
	fs.StringVar(&opts.Strategy, "strategy", Auto, "auto, shared-nothing or locks (forcing shared-nothing on an NF that cannot be sharded is an error); changes the plan")
	fs.StringVar(&opts.NIC, "nic", DefaultNIC, "NIC profile the RSS keys are solved for (generic, 82599, x710, e810, cx5); changes the plan")
	fs.Int64Var(&opts.Seed, "seed", DefaultSeed, "RSS solver seed; the same seed gives the same keys; changes the plan")
	fs.IntVar(&opts.Cores, "cores", DefaultCores, "cores of the RETA printed by -json and -explain")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: maestrogen [flags] [packages]

Generates <nf>_maestro_gen.go, the parallel version of each //maestro:nf type,
in the package in the current directory or the packages named, and prints one
line saying what it wrote. -json, -explain and -diff print instead of writing.
-strategy, -nic and -seed change the plan: run by hand, they need -w to write
(under go generate, the //go:generate line is the recipe and is followed).
Exit codes: 0 success, 1 failure, 2 bad usage.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "maestrogen", buildinfo.String())
		return 0
	}
	if opts.Seed == 0 {
		fmt.Fprintln(stderr, "maestrogen: -seed 0 is reserved (it means the default); pick another seed")
		return 2
	}
	printOnly := *asJSON || *explain || *diff
	if changed := setFlags(fs, planFlags); len(changed) > 0 && !printOnly && !*write && os.Getenv("GOFILE") == "" {
		verb := "change"
		if len(changed) == 1 {
			verb = "changes"
		}
		fmt.Fprintf(stderr, "maestrogen: %s %s the plan, so the generated files would no longer be what go generate writes: add -w to write them anyway, or -diff or -explain to see the change\n", strings.Join(changed, ", "), verb)
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
	case *diff:
		for _, g := range gens {
			path := filepath.Join(g.Dir, g.Name)
			old, err := os.ReadFile(path)
			if err != nil && !errors.Is(err, iofs.ErrNotExist) {
				fmt.Fprintf(stderr, "maestrogen: %v\n", err)
				return 1
			}
			fmt.Fprint(stdout, unifiedDiff(relPath(path), old, g.Source))
		}
	default:
		var wrote, same []string
		for _, g := range gens {
			path := filepath.Join(g.Dir, g.Name)
			changed, err := writeIfChanged(path, g.Source)
			if err != nil {
				fmt.Fprintf(stderr, "maestrogen: %v\n", err)
				return 1
			}
			if changed {
				wrote = append(wrote, relPath(path))
			} else {
				same = append(same, relPath(path))
			}
		}
		fmt.Fprintln(stdout, summary(gens, wrote, same))
	}
	return 0
}

// setFlags returns those of names that were set on the command line, as
// "-name".
func setFlags(fs *flag.FlagSet, names []string) []string {
	var out []string
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(names, f.Name) {
			out = append(out, "-"+f.Name)
		}
	})
	return out
}

// summary is the one line maestrogen prints after writing.
func summary(gens []*Generated, wrote, same []string) string {
	if len(gens) == 1 {
		p := gens[0].Decision.Plan
		what := "wrote " + firstOf(wrote, same)
		if len(wrote) == 0 {
			what = firstOf(wrote, same) + " is up to date"
		}
		return fmt.Sprintf("maestrogen: %s (%s: %s)", what, p.NF, p.Strategy)
	}
	if len(wrote) == 0 {
		return fmt.Sprintf("maestrogen: %d generated files are up to date", len(same))
	}
	names := strings.Join(wrote, ", ")
	if len(wrote) > 3 {
		names = strings.Join(wrote[:3], ", ") + fmt.Sprintf(" and %d more", len(wrote)-3)
	}
	if len(same) == 0 {
		return fmt.Sprintf("maestrogen: wrote %d generated files (%s)", len(wrote), names)
	}
	return fmt.Sprintf("maestrogen: wrote %d of %d generated files (%s); the others are up to date", len(wrote), len(gens), names)
}

func firstOf(a, b []string) string {
	if len(a) > 0 {
		return a[0]
	}
	return b[0]
}

// relPath shortens path relative to the current directory when it lies
// below it.
func relPath(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// writeIfChanged writes data to path unless the file already holds it, so
// that an unchanged NF leaves the file's modification time (and build
// caches) alone. It reports whether it wrote.
func writeIfChanged(path string, data []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	return true, os.WriteFile(path, data, 0o644)
}
