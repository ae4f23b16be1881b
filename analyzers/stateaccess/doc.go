// Package stateaccess is Maestro's state-access analysis: a go/analysis pass
// over SSA that finds each //maestro:nf type, follows its Process method
// through every function it may run, and records every call on a
// //maestro:state container: whether it reads, refreshes or writes, on which
// input ports it can run, and where each component of its key comes from (a
// packet field with a bit mask, a constant, an entry found by another access,
// a fresh allocation, or opaque data).
//
// From those keys it derives the RSS sharding constraints (docs/design.md)
// (nic/rss.Constraint) and the parallelization strategy: "shared-nothing"
// when every state object is read-only or keyed by fields RSS can hash,
// "locks" otherwise. The result type (*Result, one Plan per NF) is what the
// generator consumes; Analyze runs the same analyzer outside go vet.
//
// # Soundness: a closed world
//
// A shared-nothing plan claims that, for every packet sequence, packets that
// may touch the same state entry reach the same core. The analysis only
// makes that claim from facts it has established; whatever it cannot follow
// is a diagnostic at the line, blocking where no parallel version can be
// right, locks where locks are right. The facts, and the check behind each:
//
//  1. Every container the packet path touches is a //maestro:state field,
//     reached through the NF. Values are tracked through locals, struct
//     literals, helpers (a frame per call site, parameters bound to the
//     caller's values), closures and method values (f.flows.Insert), and
//     interface calls (a value converted on the path has one target; others
//     run every method of the package's types that implements the
//     interface). A call of a container that is not a state field is
//     MAE014 (a read of a container that no state field could alias is a
//     read of configuration); a dynamic call whose targets may include code
//     outside the package and that is handed anything reaching the NF's
//     memory is MAE015; state handed to, stored in or converted for code the
//     analysis does not follow is MAE006. (calls.go, visit.go)
//  2. No store on the packet path reaches memory that outlives the packet
//     except through container methods and the packet's API. Every address
//     carries the region it points into: memory allocated for this packet,
//     the Packet, the frame bytes, or shared memory (configuration, data
//     reached through state entries, anything unknown). Stores into NF
//     fields are MAE001, into package variables MAE008, into other shared
//     memory MAE013; so are calls of code that may write through such an
//     argument (the standard library's read-only functions excepted), and
//     copy, append, clear and delete. Direct writes to the frame bytes set
//     Plan.WritesFrame. A new hash object from the standard library
//     (hash/fnv.New32a, crypto/sha256.New, ...: freshConstructors) is
//     memory of this packet, which its methods may write. (visit.go:
//     checkStore, checkArgs; walk.go: freshConstructors)
//  3. Key provenance is bit-exact. A packet-derived value is either
//     (field & mask) >> shift, bit for bit, or an injective transform of it
//     (x+c, x*odd): equal then, but with unknown bit positions, so any later
//     mask, shift or narrowing makes it opaque, and two components pair only
//     under the same transform. Exact values ORed, added or XORed on
//     disjoint value bits (uint64(p.SrcIP)<<32 | uint64(p.DstIP)) are their
//     concatenation: equal when each term is, terms paired by the value
//     bits they share; masks, shifts and narrowing apply term by term. Anything else (mixing fields, arithmetic on
//     entry indexes, a phi of different sources, a local variable a callee
//     or closure may write, a field read after a setter or store may have
//     rewritten it) is opaque, which means locks (MAE002). A negative
//     sentinel merged with an index is ignored in index space only. One
//     phi is resolved instead: when a walk over every port meets a phi
//     whose values differ along edges different input ports take (id :=
//     p.Flow(); if p.InPort == WAN { id = id.Reverse() }) and the plan
//     locks, the packet path is walked again once per port, each walk
//     keeping at such a phi, and among the stores that reach a load of
//     a local variable (k.Host = p.DstIP on the WAN), only those along
//     the edges its port takes; that plan is kept if it shards. (value.go, rewrite.go; walk.go: edgePorts,
//     analyzer.go: analyzeNF)
//  4. The port set is declared and complete: //maestro:nf ports=LAN,WAN
//     (default: the package's maestro.Port constants and those compared
//     with p.InPort), plus a default port that stands for every undeclared
//     port; an edge "p.InPort == C" narrows the ports only when C is a
//     constant, and a comparison with anything else forces locks (MAE009).
//     The generated RSS configuration of the default port applies to every
//     port that has none, including a port below the highest one named
//     that the NF never tells apart (the generator gives such a port no
//     configuration of its own). (walk.go: computePorts, portCond;
//     gen: undeclaredAsDefault)
//  5. Time-driven writes (Expire) given the packet's time run before every
//     other access to their container on every packet; otherwise locks
//     (MAE017). (timing.go)
//  6. The NAT-style verified-access rule applies only when the failing
//     comparison leads, with no call and no store, to returning
//     maestro.Drop from Process. (visit.go: checkVerification, failDrops)
//  7. RSS-aware allocation (pooled accesses, shard.go) applies only to an
//     access whose index is the one the same table's IndexOf gave for a
//     whole packet field F (p.DstPort as the packet carries it: no mask,
//     shift, transform, XOR or index arithmetic; an index of another
//     table, or one used as a key, is MAE002). The plan then records a
//     Pool (state, port, field) and constrains the pool's port to
//     DependsOnly(F), with SameQueue for every other pooled access. It
//     relies on what maestro and the generated code guarantee: index i of
//     a value table stands for value base+i on every core and in the
//     sequential NF (IndexOf and ValueOf read only what construction
//     fixed), and before any packet runs the generated code restricts
//     each core's table (Table.RestrictValues) to the values whose packets
//     on that port reach it, computed by rss.Config.ValuePools from the
//     very configuration RSS() programs (rss.RestrictToPool), every core
//     getting as many (fair pools; a core's exhaustion counts in its
//     table's Refusals, PoolRefusals). So the entry for v can be live only
//     on the core its packets reach, and the pooled access needs no
//     constraint with the table's other accesses: the forward side keeps
//     its own (NAT's LAN may hash the whole 4-tuple). The parallel NF then
//     differs from the sequential one only in which free value an insert
//     takes (and in capacity).
//  8. Sharding keys are read only from fields the NIC hashes: the parser
//     exposes SrcIP/DstIP only for frames the NIC hashes as IPv4 and
//     SrcPort/DstPort only for frames it hashes with L4 ports, so a key on
//     them equals the NIC's hash input (maestro.Packet documents the
//     contract; nic/soft computes from the same fields).
//  9. A result that depends on other keys' entries is a read of the
//     whole container, whatever the key: the number of entries Expire
//     removed (when the result is used); a CountMin's estimate (Estimate,
//     and Add when its result is used), which adds the counts of every key
//     sharing its counters; and an entry index (Find, Insert, Allocate, or
//     read back from a container storing one) used other than to address
//     containers: in the verdict, the packet, a branch or a call outside
//     the package (a comparison with a "no entry" sentinel excepted).
//     Which index an entry gets depends on the entries other keys hold.
//     Per-core instances would count, or allocate, only for their core's
//     keys, so such a read forces locks (MAE021) when the container is
//     written on the packet path. A CountMin field marked //maestro:state
//     per-core-estimates is the exception the author asks for: per-core
//     sketches, whose estimates count collisions only among the keys of
//     one core (never below the key's own count); the plan says so. So is
//     ValueOf of a value table addressed by IndexOf (fact 7: which free
//     value an insert takes). (walk.go: countsOtherKeys; indexuse.go)
//
// The parallel NF builds its instances with their own calls of the NF's
// constructor, so the constructor must give the same instance every time:
// no wall clock, no unseeded randomness, no package variables that change
// (MAE019; ctor.go).
//
// Every bound is a finding: recursion on the packet path, call chains
// deeper than maxDepth and paths with more than maxFrames call sites are
// MAE016 (blocking), never a silent cut. What the analysis assumes and does
// not check: code outside the module behaves as its signature allows
// (reflect, unsafe and linkname can defeat any static analysis), and the
// standard library functions listed in readOnlyExternal write nothing they
// are given.
//
// # Diagnostics
//
// Diagnostics carry a stable code as the prefix of their message (Codes
// lists them with their effect on the plan):
//
//	MAE001  field written on the packet path without //maestro:state (fix: add the directive)    blocking
//	MAE002  state key built from opaque data                                                     locks
//	MAE003  state key with no component RSS can hash                                             locks
//	MAE004  iteration over a whole container on the packet path                                  locks
//	MAE005  time.Now (or Since/Until) on the packet path                                         blocking
//	MAE006  state passed to, stored in or converted to something the analysis cannot follow      blocking
//	MAE007  goroutine or channel operation on the packet path                                    blocking
//	MAE008  package-level variable written on the packet path                                    blocking
//	MAE009  p.InPort compared with a non-constant                                                locks
//	MAE010  //maestro:state field whose type is not a maestro container, or with an unknown      blocking
//	        option
//	MAE011  //maestro:nf declaration the analysis cannot use (no Process, no Go body, alias,      blocking
//	        generic type, bad ports=)
//	MAE012  //maestro:nf constructor missing                                                     blocking
//	MAE013  store to memory that outlives the packet, outside the containers                     blocking
//	MAE014  container used on the packet path that is not a //maestro:state field                blocking
//	MAE015  dynamic call whose targets the analysis cannot see                                   blocking
//	MAE016  analysis incomplete: recursion or a bound reached                                    blocking
//	MAE017  time-driven write that does not run before every access to its container             locks
//	MAE018  //maestro:state field with no access on the packet path                              warning
//	MAE019  constructor whose result differs from one call to the next                           blocking
//	MAE020  //maestro:ack that acknowledges nothing (stale, blocking or unknown code, no reason)  warning
//	MAE021  result that depends on other keys' entries: an Expire count, a CountMin estimate,    locks
//	        an entry index that leaves the containers
//
// Findings marked locks are about scaling, not correctness: the NF is legal
// (a learning bridge keys on MAC addresses; a Maglev load balancer rebuilds
// its table by walking its backends) and the analysis stays sound by giving
// up sharding, so the NF runs with locks. Blocking findings are problems no
// parallel NF can paper over; see Blocking.
//
// # Acknowledging findings
//
// A finding whose effect is locks or warning can be acknowledged, with a
// reason, so that it is no longer reported and go vet exits 0:
//
//	// DBridge is a learning bridge.
//	//
//	//maestro:nf
//	//maestro:ack MAE003 a bridge keys by MAC address, which RSS cannot hash: it runs with locks
//	type DBridge struct { ... }
//
//	x := t.Find(k) //maestro:ack MAE002 the key is a hash of the payload, on purpose
//
// The first word is a comma-separated list of codes or of the effects
// locks and warning (every finding with that effect). In the doc comment of
// a //maestro:nf type it covers the NF's findings; elsewhere, those on its
// line and on the line after its comment group. Blocking findings cannot be
// acknowledged. An acknowledgement that matches no finding, names a
// blocking or unknown code, or gives no reason is MAE020. The plan is the
// same with or without acknowledgements: they only silence the report.
//
// Diagnostics carry the category "CODE/EFFECT" (Category), which go vet
// -json prints: "MAE003/locks", "MAE001/blocking", "MAE018/warning".
package stateaccess
