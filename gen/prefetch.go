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

// prefetchCalls returns, for each port of the plan, the Prefetch call of the
// port's first keyed access ("" when there is none to prefetch).
func (e *emitter) prefetchCalls() map[int]string {
	type first struct{ pos, call string }
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
				call := ""
				if x, ok := keyExpr(keyType, a.Key); ok {
					call = fmt.Sprintf("nf.%s.Prefetch(%s)", s.Field, x)
				}
				firsts[port] = first{a.Pos, call}
			}
		}
	}
	calls := map[int]string{}
	for port, f := range firsts {
		if f.call != "" {
			calls[port] = f.call
		}
	}
	return calls
}

// prefetchLoop returns the loop a shared-nothing ProcessBurst runs before
// processing the burst ("" when no port has a key to prefetch).
func (e *emitter) prefetchLoop() string {
	calls := e.prefetchCalls()
	if len(calls) == 0 {
		return ""
	}
	pl := e.f.Plan
	ports := slices.Clone(pl.Ports)
	slices.Sort(ports)
	def := -1
	if len(ports) > 0 && ports[len(ports)-1] == pl.DefaultPort {
		def = pl.DefaultPort
	}
	var b strings.Builder
	b.WriteString("// Prefetch: each packet's first lookup, for the whole burst before\n")
	b.WriteString("\t// the first packet runs, so that their cache misses overlap.\n")
	b.WriteString("\tfor i := range pkts {\n\t\tp := &pkts[i]\n")
	// One call for every port: no switch.
	same := len(calls) == len(ports)
	for _, port := range ports {
		if calls[port] != calls[ports[0]] {
			same = false
		}
	}
	if same {
		fmt.Fprintf(&b, "\t\t%s\n\t}\n\t", calls[ports[0]])
		return b.String()
	}
	b.WriteString("\t\tswitch p.InPort {\n")
	for _, port := range ports {
		if port == def {
			continue
		}
		fmt.Fprintf(&b, "\t\tcase %d:\n", port)
		if c := calls[port]; c != "" {
			fmt.Fprintf(&b, "\t\t\t%s\n", c)
		}
	}
	if c := calls[def]; def >= 0 && c != "" {
		fmt.Fprintf(&b, "\t\tdefault:\n\t\t\t%s\n", c)
	}
	b.WriteString("\t\t}\n\t}\n\t")
	return b.String()
}
