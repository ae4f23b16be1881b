package stateaccess

import (
	"os"
	"regexp"
	"testing"
)

// TestCodesDocumented checks that the package documentation's table lists
// every code of Codes with the same effect, and nothing else.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^//\t(MAE\d{3})  .*?\s(blocking|locks|warning)$`)
	got := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(doc), -1) {
		got[m[1]] = m[2]
	}
	for _, c := range Codes {
		if got[c.ID] != c.Effect {
			t.Errorf("%s: documented as %q, registry says %q", c.ID, got[c.ID], c.Effect)
		}
		delete(got, c.ID)
	}
	for id := range got {
		t.Errorf("%s documented but not in Codes", id)
	}
	for _, tc := range []struct {
		code string
		want bool
	}{{"MAE001", true}, {"MAE003", false}, {"MAE017", false}, {"MAE018", false}, {"MAE999", true}} {
		if Blocking(tc.code) != tc.want {
			t.Errorf("Blocking(%s) = %v", tc.code, !tc.want)
		}
	}
}
