package buildinfo

import (
	"flag"
	"runtime/debug"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"checkout", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: Module, Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}}},
			Module + " (devel) vcs abc123 modified 2026-01-02T03:04:05Z go1.26.0"},
		{"release", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: Module, Version: "v1.2.3"}},
			Module + " v1.2.3 go1.26.0"},
		{"go tool of another module", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "example.com/nf", Version: "(devel)"},
			Deps: []*debug.Module{{Path: "golang.org/x/tools", Version: "v0.52.0"}, {Path: Module, Version: "v0.4.0"}}},
			Module + " v0.4.0 go1.26.0"},
		{"replaced", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "example.com/nf"},
			Deps: []*debug.Module{{Path: Module, Version: "v0.0.0", Replace: &debug.Module{Path: "/src/maestro"}}}},
			Module + " v0.0.0 => /src/maestro go1.26.0"},
		{"absent", debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "example.com/other"}},
			Module + " (not a dependency of example.com/other) go1.26.0"},
	} {
		if got := describe(&tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestFlag(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	v := Flag(fs)
	if err := fs.Parse([]string{"-version"}); err != nil || !*v {
		t.Fatalf("-version: %v, set %v", err, *v)
	}
	// A test binary has build information naming this module.
	if s := String(); !strings.HasPrefix(s, Module+" ") || !strings.Contains(s, "go1.") {
		t.Errorf("String() = %q", s)
	}
}
