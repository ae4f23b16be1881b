package stateaccess

import (
	"go/types"

	"golang.org/x/tools/go/ssa"
)

// Packet fields rewritten on the path (part of fact 3 of the package
// documentation). A key read from p.DstIP after p.SetDstIP(x) is x, not
// the address the NIC hashed, so the analysis must know, at each read of a
// packet field, whether the field may have been rewritten before it. The
// answer is a may-analysis over the CFG: a bit per field, set by setters,
// by stores to the Packet's fields, by Parse and Reset (every field), and
// by calls that may do any of these (the package's own functions through a
// summary, any other code that receives a *maestro.Packet: every field).
// It is syntactic and context-insensitive below the frame's entry, which
// only ever over-approximates.

// allFields is the "every field" mask.
const allFields = ^uint64(0)

// fieldBit returns the bit of a Packet field.
func fieldBit(name string) uint64 {
	i := 63
	switch name {
	case "SrcIP":
		i = 0
	case "DstIP":
		i = 1
	case "SrcPort":
		i = 2
	case "DstPort":
		i = 3
	case "Proto":
		i = 4
	case "EthSrc":
		i = 5
	case "EthDst":
		i = 6
	case "InPort":
		i = 7
	case "Time":
		i = 8
	case "TTL":
		i = 9
	case "VLAN", "HasVLAN":
		i = 10
	case "Data":
		return allFields // a new frame: every parsed field is stale
	}
	return uint64(1) << i
}

// setterFields says which fields a Packet method rewrites; read-only
// methods are absent, and unknown methods rewrite everything.
var setterFields = map[string]uint64{
	"SetSrcIP":   fieldBit("SrcIP"),
	"SetDstIP":   fieldBit("DstIP"),
	"SetSrcPort": fieldBit("SrcPort"),
	"SetDstPort": fieldBit("DstPort"),
	"SetEthSrc":  fieldBit("EthSrc"),
	"SetEthDst":  fieldBit("EthDst"),
	"SetTTL":     fieldBit("TTL"),
	"DecTTL":     fieldBit("TTL"),
}

// packetReaders are the Packet methods that change nothing.
var packetReaders = map[string]bool{"Flow": true, "IsIPv4": true, "HasPorts": true, "Len": true}

// isPacketPtr reports whether t is *maestro.Packet.
func isPacketPtr(t types.Type) bool {
	p, ok := types.Unalias(t).Underlying().(*types.Pointer)
	return ok && isMaestroNamed(p.Elem(), "Packet")
}

// instrRewrites returns the packet fields instr may rewrite.
func (a *nfAnalysis) instrRewrites(instr ssa.Instruction) uint64 {
	switch in := instr.(type) {
	case *ssa.Store:
		if fa, ok := in.Addr.(*ssa.FieldAddr); ok && isPacketPtr(fa.X.Type()) {
			return fieldBit(structFieldName(fa.X.Type(), fa.Field))
		}
		if ia, ok := in.Addr.(*ssa.IndexAddr); ok {
			if fa, ok := ia.X.(*ssa.FieldAddr); ok && isPacketPtr(fa.X.Type()) {
				return fieldBit(structFieldName(fa.X.Type(), fa.Field)) // p.EthSrc[0] = x
			}
		}
	case ssa.CallInstruction:
		c := in.Common()
		if fn := c.StaticCallee(); fn != nil && !c.IsInvoke() {
			if fn.Signature.Recv() != nil && isPacketPtr(fn.Signature.Recv().Type()) {
				name := fn.Name()
				if packetReaders[name] {
					return 0
				}
				if m, ok := setterFields[name]; ok {
					return m
				}
				return allFields
			}
			if b := a.bodyOf(fn); b != nil {
				return a.fnRewrites(b)
			}
		}
		// Any other code that receives the packet may do anything to it.
		args := c.Args
		if c.IsInvoke() {
			args = append([]ssa.Value{c.Value}, args...)
		}
		for _, arg := range args {
			if isPacketPtr(arg.Type()) {
				return allFields
			}
		}
		if c.StaticCallee() == nil && !c.IsInvoke() {
			// A function value: its targets are resolved elsewhere; a
			// closure may hold the packet in a free variable.
			if mc, ok := c.Value.(*ssa.MakeClosure); ok {
				for _, b := range mc.Bindings {
					if isPacketPtr(b.Type()) {
						return allFields
					}
				}
			} else if _, isBuiltin := c.Value.(*ssa.Builtin); !isBuiltin {
				return a.rewritesOfValues()
			}
		}
	}
	return 0
}

// rewritesOfValues is what a call through an unknown function value may
// rewrite: whatever any closure of the package that captures a packet does.
func (a *nfAnalysis) rewritesOfValues() uint64 {
	if a.closureRewrites == nil {
		var m uint64
		for _, fn := range a.pkgFuncs {
			for _, fv := range fn.FreeVars {
				if isPacketPtr(fv.Type()) {
					m |= a.fnRewrites(fn)
				}
			}
		}
		a.closureRewrites = &m
	}
	return *a.closureRewrites
}

// fnRewrites summarizes the fields fn may rewrite, callees included.
func (a *nfAnalysis) fnRewrites(fn *ssa.Function) uint64 {
	if m, ok := a.rewrites[fn]; ok {
		return m
	}
	a.rewrites[fn] = allFields // recursion: assume the worst while in progress
	var m uint64
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			m |= a.instrRewrites(instr)
		}
	}
	a.rewrites[fn] = m
	return m
}

// bodyOf returns the package function whose body a static call runs, or
// nil (same rule as frame.body, without a frame).
func (a *nfAnalysis) bodyOf(fn *ssa.Function) *ssa.Function {
	if fn == nil {
		return nil
	}
	o := fn
	if o.Origin() != nil {
		o = o.Origin()
	}
	if o.Pkg == nil || o.Pkg.Pkg != a.pass.Pkg {
		return nil
	}
	if len(fn.Blocks) == 0 && fn.Origin() != nil {
		fn = fn.Origin()
	}
	if len(fn.Blocks) == 0 {
		return nil
	}
	return fn
}

// rewrittenIn returns, per block of the frame's function, the fields that
// may have been rewritten on entry to the block.
func (f *frame) rewrittenIn() []uint64 {
	if f.dirtyIn != nil {
		return f.dirtyIn
	}
	n := len(f.fn.Blocks)
	in := make([]uint64, n)
	if n == 0 {
		f.dirtyIn = in
		return in
	}
	gen := make([]uint64, n)
	for i, b := range f.fn.Blocks {
		for _, instr := range b.Instrs {
			gen[i] |= f.a.instrRewrites(instr)
		}
	}
	in[0] = f.entryDirty
	if f.fn.Recover != nil {
		in[f.fn.Recover.Index] = allFields
	}
	for changed := true; changed; {
		changed = false
		for i, b := range f.fn.Blocks {
			out := in[i] | gen[i]
			for _, s := range b.Succs {
				if in[s.Index]|out != in[s.Index] {
					in[s.Index] |= out
					changed = true
				}
			}
		}
	}
	f.dirtyIn = in
	return in
}

// rewrittenAt returns the fields that may have been rewritten before instr
// runs.
func (f *frame) rewrittenAt(instr ssa.Instruction) uint64 {
	b := instr.Block()
	if b == nil || b.Parent() != f.fn {
		return allFields
	}
	m := f.rewrittenIn()[b.Index]
	for _, x := range b.Instrs {
		if x == instr {
			break
		}
		m |= f.a.instrRewrites(x)
	}
	return m
}

// rewrittenBefore says why field may hold something other than what the
// NIC saw when v is computed ("" when it cannot).
func (f *frame) rewrittenBefore(v ssa.Value, field string) string {
	instr, ok := v.(ssa.Instruction)
	if !ok {
		return ""
	}
	if f.rewrittenAt(instr)&fieldBit(field) != 0 {
		return "by a setter, a store to the packet or a call that may rewrite it, earlier on the path"
	}
	return ""
}
