package rwlock_test

import (
	"fmt"
	"sync"

	"github.com/nfmaestro/maestro/rwlock"
)

// A BigReader lets each core read under its own lock, touching only its
// own cache line; a writer takes every core's lock. This is the lock a
// lock-based parallel NF runs its read passes and its writes under.
func ExampleBigReader() {
	const cores = 4
	lock, err := rwlock.New(cores)
	if err != nil {
		panic(err)
	}
	table := map[string]int{"a": 1}
	seen := make([]int, cores)
	var wg sync.WaitGroup
	for core := range cores {
		wg.Go(func() {
			for range 100 {
				lock.RLock(core)
				seen[core] += table["a"] // readers share the table
				lock.RUnlock(core)
			}
		})
	}
	wg.Wait()
	lock.Lock() // a writer excludes every reader
	table["a"] = 2
	lock.Unlock()
	fmt.Println(seen, table["a"])
	// Output: [100 100 100 100] 2
}

// A Map is a striped read/write-locked map, safe for concurrent use.
func ExampleMap() {
	m := rwlock.NewMap[string, int](8, 0)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() { m.Store(fmt.Sprint("k", i), i) })
	}
	wg.Wait()
	v, ok := m.Load("k7")
	actual, loaded := m.LoadOrStore("k7", 70)
	fmt.Println(v, ok, actual, loaded, m.Len())
	// Output: 7 true 7 true 10
}
