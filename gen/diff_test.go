package gen

import (
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	old := []byte("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n")
	new := []byte("a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n")
	want := "--- x.go\n+++ x.go (maestrogen)\n" +
		"@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n" +
		"@@ -11,3 +11,4 @@\n k\n l\n m\n+n\n"
	if got := unifiedDiff("x.go", old, new); got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if got := unifiedDiff("x.go", old, old); got != "" {
		t.Errorf("diff of equal files: %q", got)
	}
	// A new file: every line added.
	if got := unifiedDiff("x.go", nil, []byte("a\nb\n")); got != "--- x.go\n+++ x.go (maestrogen)\n@@ -1,0 +1,2 @@\n+a\n+b\n" {
		t.Errorf("diff of a new file:\n%s", got)
	}
	// Changes closer than twice the context share a hunk.
	got := unifiedDiff("x.go", []byte("1\n2\n3\n4\n5\n6\n7\n8\n"), []byte("1\nX\n3\n4\n5\n6\nY\n8\n"))
	if strings.Count(got, "@@ -") != 1 || !strings.Contains(got, "-2\n+X\n") || !strings.Contains(got, "-7\n+Y\n") {
		t.Errorf("diff with close changes:\n%s", got)
	}
}
