package gen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestStaleFileSaysRunGoGenerate type-checks the FW with its checked-in
// generated file after the NF changed (an overlay stands for the edit): the
// first error, which is what go build and go vet show, must point into the
// generated file and say run go generate. maestrogen, which leaves the
// generated file out, must still load the package.
func TestStaleFileSaysRunGoGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the FW package three times")
	}
	t.Parallel() // overlaps TestOutsideModule, which mostly waits for go commands
	dir, err := filepath.Abs("../examples/fw")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "fw.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"field added", "type FW struct {\n", "type FW struct {\n\tadded int\n"},
		{"constructor changed", "func New(cfg Config) *FW {", "func New(cfg Config, extra int) *FW {"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case runs go list: two at once on two cores
			if !strings.Contains(string(src), tc.old) {
				t.Fatalf("fw.go has no %q", tc.old)
			}
			overlay := map[string][]byte{filepath.Join(dir, "fw.go"): []byte(strings.Replace(string(src), tc.old, tc.new, 1))}
			cfg := &packages.Config{Mode: packages.LoadSyntax, Dir: dir, Overlay: overlay}
			pkgs, err := packages.Load(cfg, ".")
			if err != nil {
				t.Fatal(err)
			}
			if len(pkgs) != 1 || len(pkgs[0].Errors) == 0 {
				t.Fatalf("the stale package type-checks: %v", pkgs)
			}
			first := pkgs[0].Errors[0].Error()
			if !strings.Contains(first, "fw_maestro_gen.go") || !strings.Contains(first, "run_go_generate") {
				t.Errorf("first error %q does not say run go generate in fw_maestro_gen.go", first)
			}
			cfg.BuildFlags = []string{"-tags=" + BuildTag}
			if tc.name == "field added" {
				pkgs, err = packages.Load(cfg, ".")
				if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) != 0 {
					t.Errorf("with -tags=%s the NF alone does not load: %v %v", BuildTag, err, pkgs)
				}
			}
		})
	}
}
