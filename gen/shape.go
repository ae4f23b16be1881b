package gen

import (
	"fmt"
	"go/types"
	"sort"
)

// Shape is what the generated code must know about the NF's Go types: the
// fields of its struct (for the compile-time guard and the per-core copies)
// and the constructor's parameter type, all spelled as the generated file
// spells them, with the imports that spelling needs.
type Shape struct {
	// Fields are the NF struct's fields in declaration order.
	Fields []ShapeField
	// ConfigType is the constructor's parameter type, e.g. "Config".
	ConfigType string
	// Imports maps the import path of every package the type strings
	// mention to the name they use.
	Imports map[string]string
}

// ShapeField is one field of the NF struct.
type ShapeField struct {
	Name     string
	Type     string
	Embedded bool
}

// ShapeOf extracts the Shape of NF nf with constructor ctor from pkg. It
// checks what the generated code relies on: nf is a struct type with a
// pointer-receiver Process(*maestro.Packet) maestro.Verdict, and ctor is
// func(C) *nf for some C.
func ShapeOf(pkg *types.Package, nf, ctor string) (*Shape, error) {
	obj, ok := pkg.Scope().Lookup(nf).(*types.TypeName)
	if !ok {
		return nil, fmt.Errorf("%s: no type %s", pkg.Path(), nf)
	}
	st, ok := obj.Type().Underlying().(*types.Struct)
	if !ok {
		return nil, fmt.Errorf("%s.%s is not a struct type", pkg.Name(), nf)
	}
	sh := &Shape{Imports: map[string]string{}}
	names := map[string]string{} // package name -> path, to catch clashes
	var clash error
	qual := func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		if prev, ok := names[p.Name()]; ok && prev != p.Path() && clash == nil {
			clash = fmt.Errorf("%s.%s mentions two packages named %s (%s, %s); maestrogen does not alias imports", pkg.Name(), nf, p.Name(), prev, p.Path())
		}
		names[p.Name()] = p.Path()
		sh.Imports[p.Path()] = p.Name()
		return p.Name()
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		sh.Fields = append(sh.Fields, ShapeField{Name: f.Name(), Type: types.TypeString(f.Type(), qual), Embedded: f.Embedded()})
	}
	fn, ok := pkg.Scope().Lookup(ctor).(*types.Func)
	if !ok {
		return nil, fmt.Errorf("%s: no constructor function %s for %s", pkg.Path(), ctor, nf)
	}
	sig := fn.Type().(*types.Signature)
	if sig.TypeParams().Len() != 0 || sig.Params().Len() != 1 || sig.Variadic() || sig.Results().Len() != 1 {
		return nil, fmt.Errorf("%s: constructor %s must be func(Config) *%s, is %s", pkg.Path(), ctor, nf, types.TypeString(sig, qual))
	}
	if ptr, ok := sig.Results().At(0).Type().(*types.Pointer); !ok || ptr.Elem() != obj.Type() {
		return nil, fmt.Errorf("%s: constructor %s must return *%s, returns %s", pkg.Path(), ctor, nf, types.TypeString(sig.Results().At(0).Type(), qual))
	}
	sh.ConfigType = types.TypeString(sig.Params().At(0).Type(), qual)
	if err := checkProcess(obj); err != nil {
		return nil, err
	}
	return sh, clash
}

// checkProcess verifies that *nf has Process(*maestro.Packet) maestro.Verdict.
func checkProcess(obj *types.TypeName) error {
	ms := types.NewMethodSet(types.NewPointer(obj.Type()))
	sel := ms.Lookup(obj.Pkg(), "Process")
	if sel == nil {
		return fmt.Errorf("%s has no method Process", obj.Name())
	}
	sig := sel.Obj().Type().(*types.Signature)
	ok := sig.Params().Len() == 1 && sig.Results().Len() == 1 &&
		types.TypeString(sig.Params().At(0).Type(), nil) == "*"+maestroPath+".Packet" &&
		types.TypeString(sig.Results().At(0).Type(), nil) == maestroPath+".Verdict"
	if !ok {
		return fmt.Errorf("%s.Process must be func(*maestro.Packet) maestro.Verdict", obj.Name())
	}
	return nil
}

// maestroPath is the import path of the package NFs are written against.
const maestroPath = "github.com/nfmaestro/maestro/maestro"

// sortedImports returns the paths of m sorted.
func sortedImports(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
