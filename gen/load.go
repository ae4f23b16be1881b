package gen

import (
	"fmt"
	"go/types"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Package is one loaded NF package: its types (with the generated files
// left out) and its directory.
type Package struct {
	Path  string
	Dir   string
	Types *types.Package
}

// LoadTypes type-checks the packages matching patterns (relative to dir)
// with the maestrogen build tag, which leaves generated files out: a stale
// generated file whose guards fail must not stop its own regeneration.
func LoadTypes(dir string, patterns ...string) ([]*Package, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	cfg := &packages.Config{
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:        dir,
		BuildFlags: []string{"-tags=" + BuildTag},
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var out []*Package
	var errs []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
		d := ""
		if len(p.GoFiles) > 0 {
			d = dirOf(p.GoFiles[0])
		}
		out = append(out, &Package{Path: p.PkgPath, Dir: d, Types: p.Types})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("loading %s:\n\t%s", strings.Join(patterns, " "), strings.Join(errs, "\n\t"))
	}
	return out, nil
}

func dirOf(file string) string {
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		return file[:i]
	}
	return "."
}
