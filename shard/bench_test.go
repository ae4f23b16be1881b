package shard_test

import (
	"sync/atomic"
	"testing"

	"github.com/nfmaestro/maestro/shard"
)

// BenchmarkCounter compares a per-core Counter with one shared atomic
// counter, every goroutine (one per GOMAXPROCS, each its own core id)
// adding as fast as it can. Run with -cpu 1,2.
func BenchmarkCounter(b *testing.B) {
	b.Run("shard.Counter", func(b *testing.B) {
		c, err := shard.NewCounter(64)
		if err != nil {
			b.Fatal(err)
		}
		var ids atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			core := int(ids.Add(1) - 1)
			for pb.Next() {
				c.Add(core, 1)
			}
		})
		if c.Load() != int64(b.N) {
			b.Fatalf("lost counts: %d != %d", c.Load(), b.N)
		}
	})
	b.Run("atomic.Int64", func(b *testing.B) {
		var c struct {
			_ [128]byte
			n atomic.Int64
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.n.Add(1)
			}
		})
	})
}

// BenchmarkMapOwner measures routing a key to its owner core.
func BenchmarkMapOwner(b *testing.B) {
	type flow struct {
		src, dst     uint32
		sport, dport uint16
		proto        uint8
	}
	m, err := shard.NewMap[flow, int](4, 0)
	if err != nil {
		b.Fatal(err)
	}
	var sum int
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sum += m.Owner(flow{src: uint32(i), dst: 7, sport: uint16(i), dport: 80, proto: 6})
	}
	if sum < 0 {
		b.Fatal("Owner out of range")
	}
}
