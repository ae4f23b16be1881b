// Package rwlock provides the read/write locks of Maestro's lock-based
// strategy: [BigReader], a per-core "big reader" lock whose read side touches
// only the calling core's cache line, and [Map], a striped read/write-locked
// map usable directly.
//
// In a lock-based NF every packet first runs under its core's read lock and is
// re-run under the write lock only if it needs to write. Reads are the common
// case, so BigReader makes them cost one uncontended atomic add on a line no
// other core writes, and makes writes pay instead: a writer takes every
// core's lock.
//
// This package imports nothing from the rest of the module so that both the
// maestro package and generated code can depend on it.
package rwlock
