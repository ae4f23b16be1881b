// Package maestro is what a network-function (NF) author imports: packets,
// verdicts, ports, the NF interface and the fixed-capacity state containers
// whose accesses Maestro's analyzer understands.
//
// An NF is an ordinary sequential Go type:
//
//	//maestro:nf
//	type FW struct {
//		cfg Config // read-only after New: replicated per core
//		//maestro:state
//		flows *maestro.Table[FlowID, struct{}]
//	}
//
//	func (f *FW) Process(p *maestro.Packet) maestro.Verdict { ... }
//
// # Directives
//
// The comment //maestro:nf on a type declaration marks the NF. Its method
// Process(*Packet) Verdict is the packet path. The directive may name the
// constructor that builds one instance (//maestro:nf New); the default is a
// package-level function New. The generated parallel NF calls it once per core.
//
// The comment //maestro:state on a struct field marks NF state. State must be
// one of this package's containers (Map, Table, Vector, Allocator, CountMin).
// Maestro's analyzer classifies every call on a state field reachable from
// Process as a read, a refresh or a write and records where its key comes
// from; that is what decides whether the NF can run shared-nothing. Any other
// field that the packet path writes is reported: it would be silently
// replicated, or raced on, by a parallel NF.
//
// Ports are Port constants; branches on p.InPort == LAN are understood. The
// directive may declare the ports the NF receives on (//maestro:nf New
// ports=LAN,WAN); every other port is analysed as one default port, whose
// RSS configuration applies to any port without its own. Time
// comes from Packet.Time (nanoseconds), never time.Now, so runs replay exactly.
//
// # Containers
//
// All containers have a fixed power-of-two capacity chosen at construction
// and never allocate after it. A full container refuses insertions (the
// operation reports failure); it never grows and never panics. They follow the
// semantics of the paper's libVig structures: Map (map+vector), Table
// (map+vector+dchain with expiry), Vector, Allocator (dchain) and CountMin
// (count-min sketch).
//
// # Runtime ownership check
//
// Built with the tag maestrocheck, a generated shared-nothing parallel NF
// checks at run time that no container key is touched by two cores, so that
// a wrong plan or RSS configuration fails loudly on real traffic; see
// Ownership. Without the tag the check compiles away.
package maestro
