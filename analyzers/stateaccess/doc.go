// Package stateaccess is Maestro's state-access analysis: a go/analysis pass
// over SSA that finds each //maestro:nf type, follows its Process
// method through the NF's own methods and its package's functions, and
// records every call on a //maestro:state container: whether it reads,
// refreshes or writes, on which input ports it can run, and where each
// component of its key comes from (a packet field with a bit mask, a
// constant, an entry found by another access, a fresh allocation, or opaque
// data).
//
// From those keys it derives the RSS sharding constraints of DESIGN.md §4
// (nic/rss.Constraint) and the parallelization strategy: "shared-nothing"
// when every state object is read-only or keyed by fields RSS can hash,
// "locks" otherwise. The result type (*Result, one Plan per NF) is what the
// generator consumes; Analyze runs the same analyzer outside go vet.
//
// Diagnostics carry a stable code as the prefix of their message:
//
//	MAE001  field written on the packet path without //maestro:state (fix: add the directive)
//	MAE002  state key built from opaque data
//	MAE003  state key with no component RSS can hash: the NF runs with locks
//	MAE004  iteration over a whole container on the packet path
//	MAE005  time.Now (or Since/Until) on the packet path
//	MAE006  state passed to or stored where the analyzer cannot follow it
//	MAE007  goroutine or channel operation on the packet path
//	MAE008  package-level variable written on the packet path
//	MAE009  p.InPort compared with a non-constant
//	MAE010  //maestro:state field whose type is not a maestro container
//	MAE011  //maestro:nf type without Process(*maestro.Packet) maestro.Verdict
//	MAE012  //maestro:nf constructor missing
//
// MAE002, MAE003, MAE004 and MAE009 are about scaling, not correctness: the
// NF is legal (a learning bridge keys on MAC addresses; a Maglev load
// balancer rebuilds its table by walking its backends) and the analysis
// stays sound by giving up sharding, so the NF runs with locks. The others
// are correctness problems a parallel NF cannot paper over; see Blocking.
package stateaccess
