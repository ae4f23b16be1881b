package maestro_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
)

// nextLine returns "maestro/ownership_test.go:N" for the line after the call.
func nextLine() string {
	_, file, line, _ := runtime.Caller(1)
	return fmt.Sprintf("maestro/%s:%d", file[strings.LastIndexByte(file, '/')+1:], line+1)
}

func TestOwnershipOffWithoutTag(t *testing.T) {
	if maestro.OwnershipCheck {
		t.Skip("built with -tags maestrocheck")
	}
	o := maestro.NewOwnership("NF")
	if o != nil {
		t.Fatalf("NewOwnership without the tag = %p, want nil (no cost)", o)
	}
	a, b := maestro.NewTable[int, int](8, 0), maestro.NewTable[int, int](8, 0)
	maestro.Own(a, o, 0, "t")
	maestro.Own(b, o, 1, "t")
	a.Insert(1, 1, 0)
	b.Find(1)
	if o.Count() != 0 || o.Err() != nil || o.Violations() != nil || o.Keys() != 0 || o.NF() != "" {
		t.Error("a nil Ownership reports something")
	}
}

func needCheck(t *testing.T) {
	t.Helper()
	if !maestro.OwnershipCheck {
		t.Skip("needs -tags maestrocheck")
	}
}

func TestOwnershipTableViolation(t *testing.T) {
	needCheck(t)
	o := maestro.NewOwnership("NF")
	core0, core1 := maestro.NewTable[maestro.FlowID, int](8, 0), maestro.NewTable[maestro.FlowID, int](8, 0)
	maestro.Own(core0, o, 0, "flows")
	maestro.Own(core1, o, 1, "flows")
	k := maestro.MakeFlowID(0x0a000001, 0x0a000002, 1234, 80, 6)
	other := k.Reverse()

	core0.Insert(k, 1, 0)
	core0.Find(k)
	core1.Insert(other, 2, 0) // another key: core 1 owns it
	if o.Count() != 0 || o.Keys() != 2 {
		t.Fatalf("each core on its own keys: %d violations, %d keys; want 0, 2", o.Count(), o.Keys())
	}

	site := nextLine()
	core1.Find(k)
	core1.Has(k) // the same (key, core): counted once
	if o.Count() != 1 {
		t.Fatalf("Count = %d, want 1\n%v", o.Count(), o.Err())
	}
	want := maestro.Violation{NF: "NF", Field: "flows", Key: "10.0.0.1:1234->10.0.0.2:80/6", Owner: 0, Core: 1, Op: "Table.Find", Site: site}
	if vs := o.Violations(); len(vs) != 1 || vs[0] != want {
		t.Fatalf("Violations = %v\nwant %v", vs, want)
	}
	err := o.Err()
	if err == nil || !strings.Contains(err.Error(), want.String()) {
		t.Errorf("Err() = %v, want it to contain %q", err, want.String())
	}

	core0.Remove(other) // core 0 intrudes on core 1's key
	if vs := o.Violations(); o.Count() != 2 || vs[1].Owner != 1 || vs[1].Core != 0 || vs[1].Op != "Table.Remove" {
		t.Errorf("after core 0 removes core 1's key: %v", vs)
	}
}

// TestOwnershipIgnoresIndexSpace: indexes are per core by construction, so
// index operations are not checked, nor are unregistered containers.
func TestOwnershipIgnoresIndexSpace(t *testing.T) {
	needCheck(t)
	o := maestro.NewOwnership("NF")
	var tabs [2]*maestro.Table[int, int]
	for c := range tabs {
		tabs[c] = maestro.NewTable[int, int](8, 100)
		maestro.Own(tabs[c], o, c, "t")
		maestro.Own(maestro.NewAllocator(8, 0), o, c, "a")
		maestro.Own(maestro.NewVector[int](8), o, c, "v")
		i, _ := tabs[c].Insert(c, c, 0) // both get index 0
		tabs[c].At(i)
		tabs[c].Key(i)
		tabs[c].Set(i, 5)
		tabs[c].Refresh(i, 1)
		tabs[c].Valid(i)
		tabs[c].Expire(1000)
	}
	seq := maestro.NewTable[int, int](8, 0)
	seq.Insert(0, 0, 0) // not registered: never checked
	if err := o.Err(); err != nil {
		t.Error(err)
	}
}

func TestOwnershipMapAndCountMin(t *testing.T) {
	needCheck(t)
	o := maestro.NewOwnership("NF")
	m0, m1 := maestro.NewMap[maestro.MAC, int](8), maestro.NewMap[maestro.MAC, int](8)
	c0, c1 := maestro.NewCountMin[uint32](64, 2, 0), maestro.NewCountMin[uint32](64, 2, 0)
	maestro.Own(m0, o, 0, "macs")
	maestro.Own(m1, o, 1, "macs")
	maestro.Own(c0, o, 0, "counts")
	maestro.Own(c1, o, 1, "counts")
	mac := maestro.MAC{2, 0, 0, 0, 0, 1}
	m0.Put(mac, 1)
	m1.Delete(mac) // Delete calls Has: one violation, reported as Delete
	c1.Add(7, 1, 0)
	c0.Estimate(7, 0)
	vs := o.Violations()
	if o.Count() != 2 || len(vs) != 2 {
		t.Fatalf("Count = %d, Violations = %v; want 2", o.Count(), vs)
	}
	if v := vs[0]; v.Field != "macs" || v.Key != "02:00:00:00:00:01" || v.Op != "Map.Delete" || v.Owner != 0 || v.Core != 1 {
		t.Errorf("map violation %v", v)
	}
	if v := vs[1]; v.Field != "counts" || v.Key != "7" || v.Op != "CountMin.Estimate" || v.Owner != 1 || v.Core != 0 {
		t.Errorf("count-min violation %v", v)
	}
}

// TestOwnershipBounded: every violation is counted, the first 100 kept.
func TestOwnershipBounded(t *testing.T) {
	needCheck(t)
	o := maestro.NewOwnership("NF")
	a, b := maestro.NewMap[int, int](512), maestro.NewMap[int, int](512)
	maestro.Own(a, o, 0, "m")
	maestro.Own(b, o, 1, "m")
	for k := range 300 {
		a.Put(k, k)
		b.Get(k)
	}
	if o.Count() != 300 || len(o.Violations()) != 100 {
		t.Errorf("Count %d, kept %d; want 300, 100", o.Count(), len(o.Violations()))
	}
	if err := o.Err(); err == nil || !strings.Contains(err.Error(), "... and 290 more") {
		t.Errorf("Err() = %v", err)
	}
}

func TestOwnershipFieldWithTwoKeyTypesPanics(t *testing.T) {
	needCheck(t)
	o := maestro.NewOwnership("NF")
	maestro.Own(maestro.NewMap[int, int](8), o, 0, "m")
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	maestro.Own(maestro.NewMap[string, int](8), o, 1, "m")
}

// TestOwnershipConcurrent has cores claim disjoint and shared keys at the
// same time (run it with -race): disjoint keys never conflict, and a key
// both cores touch is one violation whichever core wins.
func TestOwnershipConcurrent(t *testing.T) {
	needCheck(t)
	o := maestro.NewOwnership("NF")
	const cores = 4
	var wg sync.WaitGroup
	for c := range cores {
		tab := maestro.NewTable[int, int](1024, 0)
		maestro.Own(tab, o, c, "t")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 500 {
				tab.Insert(k*cores+c, k, 0)
			}
			tab.Find(-1) // every core touches key -1
		}()
	}
	wg.Wait()
	if o.Count() != cores-1 || o.Keys() != 500*cores+1 {
		t.Errorf("Count %d, Keys %d; want %d, %d\n%v", o.Count(), o.Keys(), cores-1, 500*cores+1, o.Err())
	}
}
