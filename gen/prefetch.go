package gen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Burst prefetch.
//
// A shared-nothing NF processes a burst one packet at a time, and each
// packet's first table lookup misses the cache (at a million flows, the
// index slot, the key and the entry's expiry links are each a miss), so a
// core pays the misses of a burst one after the other, as a C NF does. The
// plan knows, for each input port, the NF's first keyed access and the
// packet fields its key is built from. The generated ProcessBurst therefore
// first computes that key for every packet of the burst and calls the
// container's Prefetch, which loads what the lookup will read: the loads of
// different packets are independent, so the CPU overlaps their misses
// (memory-level parallelism). Then it runs Process on each packet as
// before. Prefetch changes no state, so results are identical whatever key
// it is given; a key the plan cannot spell as packet fields (a config
// value, an entry read from another container) is simply not prefetched.

// packetFieldTypes are the Packet fields a prefetched key may read, with
// their Go types.
var packetFieldTypes = map[string]string{
	"SrcIP": "uint32", "DstIP": "uint32",
	"SrcPort": "uint16", "DstPort": "uint16",
	"Proto": "uint8", "TTL": "uint8", "VLAN": "uint16",
	"EthSrc": "maestro.MAC", "EthDst": "maestro.MAC",
}

// fullMask returns the mask of every bit of an integer type ("" for
// others).
func fullMask(typ string) uint32 {
	switch typ {
	case "uint32":
		return 0xffffffff
	case "uint16":
		return 0xffff
	case "uint8":
		return 0xff
	}
	return 0
}

// componentExpr returns the expression of p reading component c, of Go type
// typ, or false.
func componentExpr(c Component, typ string) (string, bool) {
	ft, ok := packetFieldTypes[c.Field]
	if c.Source != "packet" || !ok || ft != typ {
		return "", false
	}
	full := fullMask(ft)
	if c.Mask == 0 || c.Mask == full || full == 0 {
		return "p." + c.Field, true
	}
	return fmt.Sprintf("p.%s&%#x", c.Field, c.Mask), true
}

// flowIDComponentTypes are the types of MakeFlowID's arguments, in order.
var flowIDComponentTypes = []string{"uint32", "uint32", "uint16", "uint16", "uint8"}

// keyExpr returns the Go expression of an access's key from packet p, for a
// container whose key type is keyType, or false when the key is not made of
// packet fields alone.
func keyExpr(keyType string, key []Component) (string, bool) {
	if keyType == "maestro.FlowID" {
		if len(key) != len(flowIDComponentTypes) {
			return "", false
		}
		args := make([]string, len(key))
		for i, c := range key {
			x, ok := componentExpr(c, flowIDComponentTypes[i])
			if !ok {
				return "", false
			}
			args[i] = x
		}
		return "maestro.MakeFlowID(" + strings.Join(args, ", ") + ")", true
	}
	if len(key) != 1 {
		return "", false
	}
	return componentExpr(key[0], keyType)
}

// containerKeyType returns the key type of a *maestro.Table or *maestro.Map
// state type, the containers with Prefetch.
func containerKeyType(stateType string) (string, bool) {
	for _, pre := range []string{"*maestro.Table[", "*maestro.Map["} {
		if rest, ok := strings.CutPrefix(stateType, pre); ok {
			k, _, ok := strings.Cut(rest, ", ")
			return k, ok && !strings.ContainsAny(k, "[(")
		}
	}
	return "", false
}

// posLess orders positions "file.go:line:col" by file, line and column.
func posLess(a, b string) bool {
	split := func(p string) (string, int, int) {
		parts := strings.Split(p, ":")
		if len(parts) < 3 {
			return p, 0, 0
		}
		n := len(parts)
		l, _ := strconv.Atoi(parts[n-2])
		c, _ := strconv.Atoi(parts[n-1])
		return strings.Join(parts[:n-2], ":"), l, c
	}
	fa, la, ca := split(a)
	fb, lb, cb := split(b)
	if fa != fb {
		return fa < fb
	}
	if la != lb {
		return la < lb
	}
	return ca < cb
}

// prefetchKey is what a port's burst prefetch computes: the key
// expression, from packet p, of the port's first keyed access, and the
// state field and key type of the container it looks up.
type prefetchKey struct {
	field, keyType, expr string
}

// prefetchKeys returns, for each port of the plan, the key of the port's
// first keyed access (ports whose first keyed access has a key the plan
// cannot spell from packet fields are absent).
func (e *emitter) prefetchKeys() map[int]prefetchKey {
	type first struct {
		pos string
		key prefetchKey
	}
	firsts := map[int]first{}
	for _, s := range e.f.Plan.State {
		keyType, ok := containerKeyType(s.Type)
		if !ok {
			continue
		}
		for _, a := range s.Accesses {
			if len(a.Key) == 0 {
				continue // Expire, or an access by index
			}
			for _, port := range a.Ports {
				if f, seen := firsts[port]; seen && !posLess(a.Pos, f.pos) {
					continue
				}
				var k prefetchKey
				if x, ok := keyExpr(keyType, a.Key); ok {
					k = prefetchKey{s.Field, keyType, x}
				}
				firsts[port] = first{a.Pos, k}
			}
		}
	}
	keys := map[int]prefetchKey{}
	for port, f := range firsts {
		if f.key.expr != "" {
			keys[port] = f.key
		}
	}
	return keys
}

// prefetchLoop returns the body of a shared-nothing ProcessBurst that
// prefetches ("" when no port has a key to prefetch). It works in chunks
// of maestro.PrefetchBurst packets: it computes each packet's key into an
// array per container, hands each array to the container's PrefetchKeys,
// then runs Process on the chunk's packets.
func (e *emitter) prefetchLoop() string {
	keys := e.prefetchKeys()
	if len(keys) == 0 {
		return ""
	}
	pl := e.f.Plan
	ports := slices.Clone(pl.Ports)
	slices.Sort(ports)
	def := -1
	if len(ports) > 0 && ports[len(ports)-1] == pl.DefaultPort {
		def = pl.DefaultPort
	}
	// One key array per container, in field order.
	var fields []string
	types := map[string]string{}
	for _, k := range keys {
		if _, ok := types[k.field]; !ok {
			fields = append(fields, k.field)
			types[k.field] = k.keyType
		}
	}
	slices.Sort(fields)
	num := map[string]int{}
	for i, f := range fields {
		num[f] = i
	}
	add := func(k prefetchKey, indent string) string {
		n := num[k.field]
		return fmt.Sprintf("%skeys%d[n%d] = %s\n%sn%d++\n", indent, n, n, k.expr, indent, n)
	}
	var b strings.Builder
	b.WriteString("// Prefetch, a chunk of packets at a time: each packet's first\n")
	b.WriteString("\t// lookup, for the whole chunk before its first packet runs, so that\n")
	b.WriteString("\t// their cache misses overlap.\n")
	for i, f := range fields {
		fmt.Fprintf(&b, "\tvar keys%d [maestro.PrefetchBurst]%s\n", i, types[f])
	}
	b.WriteString("\tfor base := 0; base < len(pkts); base += maestro.PrefetchBurst {\n")
	b.WriteString("\t\tchunk := pkts[base:min(base+maestro.PrefetchBurst, len(pkts))]\n")
	for i := range fields {
		fmt.Fprintf(&b, "\t\tn%d := 0\n", i)
	}
	b.WriteString("\t\tfor i := range chunk {\n\t\t\tp := &chunk[i]\n")
	// One key for every port: no switch.
	same := len(keys) == len(ports)
	for _, port := range ports {
		if keys[port] != keys[ports[0]] {
			same = false
		}
	}
	if same {
		b.WriteString(add(keys[ports[0]], "\t\t\t"))
	} else {
		b.WriteString("\t\t\tswitch p.InPort {\n")
		for _, port := range ports {
			if port == def {
				continue
			}
			fmt.Fprintf(&b, "\t\t\tcase %d:\n", port)
			if k, ok := keys[port]; ok {
				b.WriteString(add(k, "\t\t\t\t"))
			}
		}
		if k, ok := keys[def]; def >= 0 && ok {
			b.WriteString("\t\t\tdefault:\n")
			b.WriteString(add(k, "\t\t\t\t"))
		}
		b.WriteString("\t\t\t}\n")
	}
	b.WriteString("\t\t}\n")
	for i, f := range fields {
		fmt.Fprintf(&b, "\t\tnf.%s.PrefetchKeys(keys%d[:n%d])\n", f, i, i)
	}
	b.WriteString("\t\tfor i := range chunk {\n\t\t\tverdicts[base+i] = nf.Process(&chunk[i])\n\t\t}\n\t}\n")
	return b.String()
}

// burstBody returns the body of a shared-nothing ProcessBurst after its
// first two lines: the prefetching loop, or a plain loop over the packets.
func (e *emitter) burstBody() string {
	if l := e.prefetchLoop(); l != "" {
		return l
	}
	return "for i := range pkts {\n\t\tverdicts[i] = nf.Process(&pkts[i])\n\t}\n"
}
