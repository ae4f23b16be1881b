package gen

import (
	"fmt"
	"strings"

	"github.com/nfmaestro/maestro/nic/rss"
)

// The strategies a parallel NF can have (docs/design.md).
const (
	SharedNothing = "shared-nothing"
	Locks         = "locks"
	// Auto lets the generator choose: the analyzer's strategy, demoted to
	// Locks when the RSS constraints have no spreading solution.
	Auto = "auto"
)

// Plan is the sharding plan of one NF as the generator consumes and prints
// it (maestrogen -json). It mirrors the analyzer's plan
// (analyzers/stateaccess) field for field and adds the solved RSS
// configuration; keeping the generator on its own copy lets it be tested
// with hand-built plans and keeps the JSON format stable if the analyzer's
// internals move.
type Plan struct {
	// NF is the name of the //maestro:nf type, e.g. "FW".
	NF string `json:"nf"`
	// Package is the NF's import path.
	Package string `json:"package"`
	// Constructor is the package-level function building one instance
	// (default "New"); ConfigType names its single parameter's type.
	Constructor string `json:"constructor"`
	ConfigType  string `json:"config_type"`
	// Strategy is SharedNothing or Locks.
	Strategy string `json:"strategy"`
	// Reasons say why the strategy is Locks (empty for SharedNothing).
	Reasons []Reason `json:"reasons"`
	// State lists the //maestro:state fields and their accesses.
	State []State `json:"state"`
	// Constraints are the RSS constraints the accesses imply (what the
	// solver takes); ConstraintText is them formatted for people.
	Constraints    []rss.Constraint `json:"-"`
	ConstraintText []string         `json:"constraints,omitempty"`
	// Ports are the input ports the NF distinguishes; the last one is the
	// default port when DefaultPort names it.
	Ports []int `json:"ports"`
	// DefaultPort stands for every port the NF does not declare: its RSS
	// configuration is marked rss.Config.Default, so that frames on any
	// other port are dispatched as the analysis assumed. It counts only
	// when it is the last of Ports (plans built by hand may leave it 0).
	DefaultPort int `json:"default_port"`
	// PerCoreCapacity says how the parallel NF sizes its containers: for
	// SharedNothing, split across the cores (NewParallel, the default: the
	// one way its results may differ from the sequential NF's, once a
	// container fills on a core) or whole on every core (NewParallelFull);
	// for Locks, one state at the configured capacity.
	PerCoreCapacity string `json:"per_core_capacity,omitempty"`
	// WritesFrame says that the packet path writes frame bytes directly,
	// not only through the Packet setters (the analyzer's
	// stateaccess.Plan.WritesFrame). A lock-based read pass then saves and
	// restores the whole frame (maestro.LockGroup.StartReadFrame) instead
	// of its headers.
	WritesFrame bool `json:"writes_frame,omitempty"`
	// ReadsNoHeaders says that Process reads no parsed header field (the
	// analyzer's stateaccess.Plan.ReadsNoHeaders). A shared-nothing
	// parallel NF then tells backends to skip the parse
	// (nic.HeaderReader).
	ReadsNoHeaders bool `json:"reads_no_headers,omitempty"`
	// Pools are the state fields whose allocation the parallel NF makes
	// RSS-aware (the analyzer's stateaccess.Plan.Pools): the generated
	// code restricts each core's table to the values whose packets on
	// Port, carrying them in Field, reach that core.
	Pools []Pool `json:"pools,omitempty"`
	// RSS is the NIC configuration per port, filled by the generator.
	RSS []RSSPort `json:"rss"`
}

// Pool is one RSS-aware allocation (stateaccess.Pool).
type Pool struct {
	State string `json:"state"`
	Port  int    `json:"port"`
	Field string `json:"field"`
}

// HasDefault reports whether the plan's DefaultPort is in effect.
func (p *Plan) HasDefault() bool {
	return p.DefaultPort > 0 && len(p.Ports) > 0 && p.Ports[len(p.Ports)-1] == p.DefaultPort
}

// Reason is one cause for a lock-based strategy, at a source position.
type Reason struct {
	Pos     string `json:"pos"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// State is one //maestro:state field.
type State struct {
	Field    string `json:"field"`
	Type     string `json:"type"`
	Kind     string `json:"kind"`
	ReadOnly bool   `json:"read_only"`
	// PerCoreEstimates: a CountMin whose author accepts per-core
	// estimates (//maestro:state per-core-estimates); see Explain.
	PerCoreEstimates bool     `json:"per_core_estimates,omitempty"`
	Accesses         []Access `json:"accesses"`
}

// Access is one call on a state field reachable from Process.
type Access struct {
	Pos    string      `json:"pos"`
	Method string      `json:"method"`
	Op     string      `json:"op"`
	Ports  []int       `json:"ports"`
	Key    []Component `json:"key"`
}

// Component is one component of an access's key and where it comes from.
type Component struct {
	Source string `json:"source"`
	Field  string `json:"field,omitempty"`
	Mask   uint32 `json:"mask,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// RSSPort is the solved RSS configuration of one port.
type RSSPort struct {
	Port int `json:"port"`
	// Default marks the configuration that also applies to every port
	// without its own (the plan's default port).
	Default bool `json:"default,omitempty"`
	// Key is the Toeplitz key in lower-case hex.
	Key string `json:"key"`
	// Fields are the hash input bits the port's queue may depend on, e.g.
	// ["SrcIP","DstIP","SrcPort","DstPort"] or ["DstIP"].
	Fields []string `json:"fields"`
	// Hash is the packet types the NIC hashes on this port, with the *Only
	// flags that narrow the input (rss.HashFields.String).
	Hash string `json:"hash"`
	// Hashes are the fields the NIC feeds to the hash on this port, e.g.
	// ["DstIP"] for a port hashing only the destination address: the
	// fewest covering Fields that the NIC profile can select.
	Hashes []string `json:"hashes,omitempty"`
	// Spread is the spread certificate (rss.FieldSpread.String) of each
	// field in Fields: the prefix lengths at which traffic varying only in
	// that field still reaches every core, at 2 to 32 cores, and why not
	// where a constraint prevents it.
	Spread []string `json:"spread,omitempty"`
	// RETAKind is how the RETA spreads its entries over the cores
	// (rss.RETAKind: "round-robin" or "blocks"), chosen with the keys for
	// the better spread of clustered traffic.
	RETAKind string `json:"reta_kind,omitempty"`
	// RETASize and RETA are the redirection table for the number of cores
	// the plan was printed for.
	RETASize int      `json:"reta_size"`
	RETA     []uint16 `json:"reta"`
}

// Explain formats p for people (maestrogen -explain).
func (p *Plan) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "NF %s (package %s), constructor %s(%s)\n", p.NF, p.Package, p.Constructor, p.ConfigType)
	fmt.Fprintf(&b, "strategy: %s\n", p.Strategy)
	for _, r := range p.Reasons {
		fmt.Fprintf(&b, "  because %s: %s %s\n", r.Pos, r.Code, r.Message)
	}
	if p.PerCoreCapacity != "" {
		fmt.Fprintf(&b, "capacity: %s\n", p.PerCoreCapacity)
	}
	if p.Strategy == SharedNothing {
		for _, s := range p.State {
			if s.PerCoreEstimates {
				fmt.Fprintf(&b, "estimates: %s %s\n", s.Field, EstimatesPerCore)
			}
		}
	}
	if p.WritesFrame {
		b.WriteString("frame: the packet path writes frame bytes directly; a lock-based read pass saves the whole frame\n")
	} else {
		b.WriteString("frame: written only through the Packet setters; a lock-based read pass saves the headers\n")
	}
	if p.ReadsNoHeaders {
		b.WriteString("headers: Process reads none (only Data, InPort, Time); backends skip the parse\n")
	}
	fmt.Fprintf(&b, "ports: %v\n", p.Ports)
	if len(p.State) == 0 {
		b.WriteString("state: none\n")
	}
	for _, s := range p.State {
		ro := ""
		if s.ReadOnly {
			ro = ", read-only on the packet path"
		}
		fmt.Fprintf(&b, "state %s %s (%s%s)\n", s.Field, s.Type, s.Kind, ro)
		for _, a := range s.Accesses {
			fmt.Fprintf(&b, "  %s: %s.%s %s on ports %v key %s\n", a.Pos, s.Field, a.Method, a.Op, a.Ports, keyString(a.Key))
		}
	}
	if len(p.ConstraintText) == 0 {
		b.WriteString("RSS constraints: none\n")
	}
	for _, c := range p.ConstraintText {
		fmt.Fprintf(&b, "RSS constraint: %s\n", c)
	}
	b.WriteString(p.poolText())
	for _, r := range p.RSS {
		def := ""
		if r.Default {
			def = " (and every port not declared)"
		}
		fmt.Fprintf(&b, "RSS port %d%s: key %s\n  hash %s; hashes %s; queue depends on %s; RETA %d entries (%s)\n", r.Port, def, r.Key, r.Hash, strings.Join(r.Hashes, ","), strings.Join(r.Fields, ","), r.RETASize, r.RETAKind)
	}
	b.WriteString(SpreadCertificate(p))
	return b.String()
}

// SpreadCertificate formats the plan's spread certificate for people
// (maestrogen -explain prints it as part of Explain): per port, the fields
// the NIC hashes and, for each field the queue may depend on, the prefix
// lengths at which traffic varying only in that field still reaches every
// core with the RETA the generated code programs, at 2, 4, 8,
// 16 and 32 cores; where a constraint makes a /24 (the low 8 bits) miss
// cores, it says so and names the constraint.
func SpreadCertificate(p *Plan) string {
	var b strings.Builder
	for _, r := range p.RSS {
		if len(r.Spread) == 0 {
			continue
		}
		fmt.Fprintf(&b, "RSS spread, port %d (hashes %s):\n", r.Port, strings.Join(r.Hashes, ","))
		for _, s := range r.Spread {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	return b.String()
}

// keyString formats a key as "(SrcIP, DstIP&0xffffff00, const)".
func keyString(key []Component) string {
	parts := make([]string, len(key))
	for i, c := range key {
		s := c.Source
		if c.Field != "" {
			s = c.Field
			if c.Source != "" && c.Source != "packet" {
				s = c.Source + ":" + c.Field
			}
		}
		if c.Mask != 0 {
			s += fmt.Sprintf("&%#x", c.Mask)
		}
		if c.Detail != "" {
			s += " [" + c.Detail + "]"
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
