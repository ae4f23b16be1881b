package shard_test

import (
	"fmt"
	"sync"

	"github.com/nfmaestro/maestro/shard"
)

// PerCore gives every core its own value, each on its own cache lines: a
// worker writes its slot without any lock and without slowing the others.
func ExamplePerCore() {
	const cores = 4
	counts, err := shard.NewPerCore(cores, func(core int) int { return 0 })
	if err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	for core := range cores {
		wg.Go(func() {
			for range 1000 * (core + 1) {
				*counts.Get(core)++
			}
		})
	}
	wg.Wait()
	counts.Each(func(core int, n *int) { fmt.Println(core, *n) })
	// Output:
	// 0 1000
	// 1 2000
	// 2 3000
	// 3 4000
}

// A Map is split into one plain Go map per core. Work is routed to the core
// that owns its key, which then uses its shard with ordinary map syntax.
func ExampleMap() {
	const cores = 2
	hits, err := shard.NewMap[string, int](cores, 16)
	if err != nil {
		panic(err)
	}
	queues := make([][]string, cores) // what a dispatcher hands each core
	for _, host := range []string{"a", "b", "a", "c", "a", "b"} {
		owner := hits.Owner(host)
		queues[owner] = append(queues[owner], host)
	}
	var wg sync.WaitGroup
	for core := range cores {
		wg.Go(func() {
			mine := hits.Core(core)
			for _, host := range queues[core] {
				mine[host]++
			}
		})
	}
	wg.Wait()
	total := map[string]int{}
	hits.Each(func(core int, m map[string]int) {
		for k, v := range m {
			total[k] += v
		}
	})
	fmt.Println(total["a"], total["b"], total["c"], hits.Len())
	// Output: 3 2 1 3
}

// A Counter is added to by each core on its own line and read as a sum.
func ExampleCounter() {
	c, err := shard.NewCounter(3)
	if err != nil {
		panic(err)
	}
	c.Add(0, 5)
	c.Add(2, 7)
	fmt.Println(c.Load(), c.LoadCore(2))
	// Output: 12 7
}
