// Package buildinfo gives every Maestro command the same -version flag:
// which Maestro it was built from (module version, or VCS revision for a
// build in a checkout) and with which Go, read from the binary itself
// (runtime/debug.ReadBuildInfo), so that a bug report can name it.
//
//	version := buildinfo.Flag(fs)
//	fs.Parse(args)
//	if *version {
//		fmt.Println("mycmd", buildinfo.String())
//		return 0
//	}
package buildinfo

import (
	"flag"
	"runtime/debug"
	"strings"
)

// Module is Maestro's module path.
const Module = "github.com/nfmaestro/maestro"

// Flag defines -version on fs: when set, the command prints its name and
// String and exits 0.
func Flag(fs *flag.FlagSet) *bool {
	return fs.Bool("version", false, "print the Maestro version this command was built from and exit")
}

// String describes the build: "github.com/nfmaestro/maestro v1.2.3 go1.26.0",
// with "(devel) vcs 0123abcd… modified 2026-01-02T03:04:05Z" in place of the
// version for a build in a checkout. Maestro is the main module when the
// command is built in this repository and a dependency when it runs as a
// go tool of another module (go get -tool); both are found.
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Module + " (no build information)"
	}
	return describe(bi)
}

// describe is String for a given build information.
func describe(bi *debug.BuildInfo) string {
	var b strings.Builder
	b.WriteString(Module)
	switch m := findModule(bi); {
	case m == nil:
		b.WriteString(" (not a dependency of " + bi.Main.Path + ")")
	default:
		if m.Replace != nil {
			b.WriteString(" " + m.Version + " => " + m.Replace.Path)
			if m.Replace.Version != "" {
				b.WriteString(" " + m.Replace.Version)
			}
		} else {
			b.WriteString(" " + m.Version)
		}
		if m == &bi.Main {
			b.WriteString(vcs(bi.Settings))
		}
	}
	b.WriteString(" " + bi.GoVersion)
	return b.String()
}

// findModule returns Maestro's module in bi: the main module or a
// dependency.
func findModule(bi *debug.BuildInfo) *debug.Module {
	if bi.Main.Path == Module {
		return &bi.Main
	}
	for _, d := range bi.Deps {
		if d.Path == Module {
			return d
		}
	}
	return nil
}

// vcs formats the version control settings of a build in a checkout.
func vcs(settings []debug.BuildSetting) string {
	var rev, when string
	modified := false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return ""
	}
	out := " vcs " + rev
	if modified {
		out += " modified"
	}
	if when != "" {
		out += " " + when
	}
	return out
}
