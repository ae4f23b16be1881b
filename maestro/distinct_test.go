package maestro

import (
	"strings"
	"testing"
)

// TestCheckDistinct: containers shared between fields or instances are
// reported, views of one container count as it, nil ones are ignored.
func TestCheckDistinct(t *testing.T) {
	t1, t2 := NewTable[int, int](8, 0), NewTable[int, int](8, 0)
	v := NewVector[int](4)
	g := NewLockGroup(2)
	var nilTable *Table[int, int]
	ok := []Held{{"a", 0, t1}, {"b", 0, t2}, {"v", 0, v}, {"n", 0, nilTable}, {"n2", 1, nilTable}, {"x", 0, NewAllocator(4, 0)}, {"c", 0, NewCountMin[int](8, 2, 0)}, {"m", 0, NewMap[int, int](4)}}
	if err := CheckDistinct("NF", ok); err != nil {
		t.Errorf("distinct containers refused: %v", err)
	}
	for name, held := range map[string][]Held{
		"two fields":          {{"a", 0, t1}, {"b", 0, t1}},
		"two cores":           {{"a", 0, t1}, {"a", 1, t1}},
		"a view and its data": {{"a", 0, t1.View(g, 0)}, {"b", 1, t1}},
		"a copied handle":     {{"a", 0, t2}, {"b", 0, func() *Table[int, int] { c := *t2; return &c }()}},
		"vectors":             {{"v", 0, v}, {"w", 1, v}},
	} {
		err := CheckDistinct("NF", held)
		if err == nil || !strings.Contains(err.Error(), "hold the same container") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
