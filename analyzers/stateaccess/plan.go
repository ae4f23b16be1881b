package stateaccess

import "github.com/nfmaestro/maestro/nic/rss"

// Result is the analyzer's result for one package: the plan of every
// //maestro:nf type declared in it. The generator (maestrogen) consumes it
// through Analyze, which runs exactly the analysis that go vet runs.
type Result struct {
	NFs []*Plan
}

// Strategy values of Plan.Strategy.
const (
	// SharedNothing: one private copy of the state per core, no locks.
	SharedNothing = "shared-nothing"
	// Locks: one shared state behind a per-core read/write lock.
	Locks = "locks"
)

// Plan is what the analysis concluded about one NF type: its state, every
// access to it on the packet path, the parallelization strategy and the RSS
// constraints that strategy needs.
type Plan struct {
	NF          string `json:"nf"`                    // type name
	Package     string `json:"package"`               // import path
	Constructor string `json:"constructor"`           // e.g. "New"
	ConfigType  string `json:"config_type,omitempty"` // type name of the constructor's single parameter ("" if none)
	Strategy    string `json:"strategy"`              // SharedNothing or Locks
	// Reasons say why the strategy was chosen (especially why locks), each
	// pointing at the line responsible.
	Reasons []Reason `json:"reasons"`
	State   []State  `json:"state"`
	// Constraints are the sharding constraints for nic/rss.Solve: empty for
	// stateless and read-only NFs, and meaningless under Locks.
	Constraints []rss.Constraint `json:"-"`
	// ConstraintText is Constraints formatted for people and golden files.
	ConstraintText []string `json:"constraints,omitempty"`
	// Ports are the maestro.Port constants the NF compares InPort with (or,
	// when it compares with none, the Port constants its package declares),
	// sorted.
	Ports []int `json:"ports"`
	// DefaultPort is the pseudo-port that stands for every input port the
	// NF does not declare (one above the highest declared port). Frames
	// arriving on an undeclared port must be dispatched with DefaultPort's
	// RSS configuration: the generator marks that configuration
	// rss.Config.Default. It is always the last entry of Ports.
	DefaultPort int `json:"default_port"`
	// WritesFrame reports that the packet path writes frame bytes directly
	// (p.Data[i] = ..., copy into p.Data, p.Data passed to code that may
	// write it) rather than only through the Packet setters. A lock-based
	// read pass must then save and restore the whole frame, not only its
	// headers.
	WritesFrame bool `json:"writes_frame,omitempty"`
	// ReadsNoHeaders reports that Process reads no parsed header field of
	// its packet, only p.Data, p.InPort, p.Time and p.Len (a syntactic,
	// conservative check: passing p to any function counts as reading).
	// A backend may then hand such an NF unparsed packets
	// (maestro.Packet.Load), skipping the parse.
	ReadsNoHeaders bool `json:"reads_no_headers,omitempty"`
	// Pools are the value tables whose allocation the parallel NF must
	// make RSS-aware (a shared-nothing plan only): see Pool.
	Pools []Pool `json:"pools,omitempty"`
}

// Pool is the contract of a pooled state field (a value table,
// maestro.NewValueTable, looked up by IndexOf of a packet field). The plan
// relies on it, and the generated code must establish it before any packet
// runs: on every core, the table may allocate only the values v whose
// packets on Port, carrying v in Field, the NIC delivers to that core. The
// generated code computes those pools with rss.Config.ValuePools from the
// very configuration of Port it programs, and restricts each core's table
// with Table.RestrictValues. The plan's constraints make Port's queue a
// function of Field alone (DependsOnly), and make every other pooled
// access's (port, field) give the same queue for the same value
// (SameQueue), so the pools hold for them too.
type Pool struct {
	State string `json:"state"` // the state field
	Port  int    `json:"port"`  // the port whose configuration the pools come from
	Field string `json:"field"` // "DstPort", "SrcPort", "DstIP" or "SrcIP"
}

// Reason is one justification of a Plan's strategy.
type Reason struct {
	Pos     string `json:"pos"`     // "fw.go:63:13"
	Code    string `json:"code"`    // a diagnostic code such as "MAE003", or "read-only", "sharded", "stateless"
	Message string `json:"message"` // for people
}

// State is one //maestro:state field and every access to it on the packet
// path.
type State struct {
	Field    string `json:"field"`     // struct field name
	Type     string `json:"type"`      // e.g. "*maestro.Table[maestro.FlowID, struct{}]"
	Kind     string `json:"kind"`      // "Table", "Map", "Vector", "Allocator", "CountMin"
	ReadOnly bool   `json:"read_only"` // no write or refresh on the packet path: replicated, no constraint
	// PerCoreEstimates: a CountMin marked //maestro:state
	// per-core-estimates, whose estimates a shared-nothing NF computes per
	// core (MAE021 in the package documentation).
	PerCoreEstimates bool     `json:"per_core_estimates,omitempty"`
	Accesses         []Access `json:"accesses"`
}

// Access is one call on a state container reachable from Process. The same
// call reached through different call paths (a helper called on LAN and on
// WAN) appears once per distinct (ports, key).
type Access struct {
	Pos    string      `json:"pos"`    // "fw.go:63:13" (file base name:line:col)
	Method string      `json:"method"` // "Find"
	Op     string      `json:"op"`     // "read", "refresh", "write"
	Ports  []int       `json:"ports"`  // input ports it can run on; nil = any port
	Key    []Component `json:"key"`    // empty for keyless operations (Expire, Len)
}

// Component is the provenance of one component of an access's key: one
// scalar, or one leaf field of a struct key in declaration order.
type Component struct {
	Source string `json:"source"`           // "packet", "const", "entry", "fresh", "opaque"
	Field  string `json:"field,omitempty"`  // packet field: "SrcIP", "DstIP", "SrcPort", "DstPort", "Proto", "EthSrc", ...
	Mask   uint32 `json:"mask,omitempty"`   // bits of the packet field that reach the key (IP, port and other integer fields)
	Detail string `json:"detail,omitempty"` // which access an entry came from, why opaque, which constant
}

// Component sources.
const (
	SourcePacket = "packet"
	SourceConst  = "const"
	SourceEntry  = "entry"
	SourceFresh  = "fresh"
	SourceOpaque = "opaque"
	// SourcePooled is an index a value table gave for a packet field's
	// value (Table.IndexOf): see Pool.
	SourcePooled = "pooled"
)

// Access operations.
const (
	OpRead    = "read"
	OpRefresh = "refresh"
	OpWrite   = "write"
)
