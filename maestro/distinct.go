package maestro

import "fmt"

// Held is one state container an NF instance holds: the field, the core
// whose instance holds it, and the container (a *Table, *Map, *Vector,
// *Allocator or *CountMin; views of one container count as that container).
type Held struct {
	Field     string
	Core      int
	Container any
}

// dataHolder is implemented by every container: the identity of the data
// it holds, shared by its views.
type dataHolder interface{ dataID() any }

func (t *Table[K, V]) dataID() any {
	if t == nil {
		return nil
	}
	return t.s
}

func (m *Map[K, V]) dataID() any {
	if m == nil {
		return nil
	}
	return m.s
}

func (a *Allocator) dataID() any {
	if a == nil {
		return nil
	}
	return a.d
}

func (v *Vector[T]) dataID() any {
	if v == nil || len(v.vals) == 0 {
		return nil
	}
	return &v.vals[0]
}

func (c *CountMin[K]) dataID() any {
	if c == nil {
		return nil
	}
	return c.s
}

// CheckDistinct returns an error when two of held share one container's
// data. Maestro's analysis treats each //maestro:state field as its own
// object, and a shared-nothing NF gives each core its own: a constructor
// that puts one container in two state fields, or hands every instance the
// same package-level container, breaks both assumptions where no static
// analysis of the packet path can see it. Generated parallel NFs call it
// once, when they are built. Nil containers are ignored.
func CheckDistinct(nf string, held []Held) error {
	owner := make(map[any]Held, len(held))
	for _, h := range held {
		d, ok := h.Container.(dataHolder)
		if !ok {
			continue
		}
		id := d.dataID()
		if id == nil {
			continue
		}
		if prev, dup := owner[id]; dup {
			return fmt.Errorf("maestro: %s: state field %s of core %d's instance and %s of core %d's hold the same container: each //maestro:state field must get its own container from the constructor, on every call (build it with maestro.New..., not from a package variable or another field)",
				nf, prev.Field, prev.Core, h.Field, h.Core)
		}
		owner[id] = h
	}
	return nil
}
