package main

import (
	"runtime/debug"
	"strings"
)

// version describes the binary from its build information: the module
// version ("(devel)" for a build from a checkout), the VCS revision and
// time, whether the tree was modified, and the Go release.
func version(cmd string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return cmd + " (no build information)"
	}
	parts := []string{cmd, bi.Main.Version}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if settings["vcs.modified"] == "true" {
			rev += "+modified"
		}
		parts = append(parts, "revision "+rev)
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, t)
	}
	parts = append(parts, bi.GoVersion)
	return strings.Join(parts, " ")
}
