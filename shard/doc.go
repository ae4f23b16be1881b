// Package shard provides per-core containers for shared-nothing code: one
// private value per core, each on its own cache lines, so that cores running
// in parallel never write to a cache line another core reads.
//
// The contract is ownership, not locking: slot i of a [PerCore], or shard i of
// a [Map], is touched only by the goroutine that plays core i (usually a
// worker pinned to that CPU and draining that core's RX queue). Nothing in
// this package enforces it; the race detector reports violations in tests.
// [Counter] is the exception: its slots are atomic, so any goroutine may Add
// to any core and Load from anywhere.
//
// Padding is [Pad] bytes (128) rather than one 64-byte cache line because
// Intel's adjacent-line (spatial) prefetcher fetches 64-byte lines in
// 128-byte-aligned pairs: two values 64 bytes apart still interfere.
//
// This package imports nothing from the rest of the module so that both the
// maestro package and generated code can depend on it.
package shard
