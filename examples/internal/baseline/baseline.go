// Package baseline holds the conventional parallelisations that nfbench
// compares Maestro's generated NFs against:
//
//   - Mutex: the unmodified sequential NF shared by every core behind one
//     sync.Mutex, the first thing anyone writes;
//   - NF-specific rewrites whose state lives in a concurrent map instead of
//     Maestro's containers, with the map either an xsync.MapOf (KindXSync) or
//     a Go map behind a sync.RWMutex (KindRWMutex): FW, Policer and DBridge.
//
// The rewrites keep each NF's verdicts for steady traffic but simplify what
// a concurrent map makes awkward, always in the baseline's favour: entries
// expire lazily (an entry idle longer than the timeout counts as absent and
// is reused, nothing is ever deleted) and there is no capacity limit. They
// allocate when they learn a new key (the entry is a pointer so that
// refreshing it is an atomic store, not a map write); Maestro's NFs never do.
// Every type here implements nic.Processor and may be shared by any number of
// cores: no packet-to-core affinity is needed, so callers may spread packets
// with any hash.
package baseline

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/puzpuzpuz/xsync/v3"
)

// Kind says which concurrent map holds an NF rewrite's state.
type Kind int

// Map kinds.
const (
	KindXSync   Kind = iota // xsync.MapOf: lock-free reads, striped writes
	KindRWMutex             // map[K]V behind one sync.RWMutex
)

// String returns "xsync" or "rwmutex", the names nfbench uses.
func (k Kind) String() string {
	switch k {
	case KindXSync:
		return "xsync"
	case KindRWMutex:
		return "rwmutex"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// ParseKind parses "xsync" or "rwmutex".
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(s) {
	case "xsync":
		return KindXSync, nil
	case "rwmutex":
		return KindRWMutex, nil
	}
	return 0, fmt.Errorf("baseline: unknown map kind %q (want xsync or rwmutex)", s)
}

// Map is a concurrent map of one Kind. Both kinds sit behind one concrete
// type, chosen by a predictable branch, so that the baselines pay no
// interface or generic-dictionary call per operation and differ only in the
// map itself.
type Map[K comparable, V any] struct {
	x *xsync.MapOf[K, V]

	mu sync.RWMutex
	m  map[K]V
}

// NewMap returns an empty map of kind k sized for sizeHint entries.
func NewMap[K comparable, V any](k Kind, sizeHint int) *Map[K, V] {
	if k == KindXSync {
		return &Map[K, V]{x: xsync.NewMapOf[K, V](xsync.WithPresize(sizeHint))}
	}
	return &Map[K, V]{m: make(map[K]V, sizeHint)}
}

// Load returns key's value.
func (m *Map[K, V]) Load(key K) (V, bool) {
	if m.x != nil {
		return m.x.Load(key)
	}
	m.mu.RLock()
	v, ok := m.m[key]
	m.mu.RUnlock()
	return v, ok
}

// LoadOrStore returns key's value if present; otherwise it stores value and
// returns it. loaded reports which happened. Concurrent callers for one new
// key agree on a single stored value.
func (m *Map[K, V]) LoadOrStore(key K, value V) (actual V, loaded bool) {
	if m.x != nil {
		return m.x.LoadOrStore(key, value)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.m[key]; ok {
		return v, true
	}
	m.m[key] = value
	return value, false
}

// Len returns the number of entries.
func (m *Map[K, V]) Len() int {
	if m.x != nil {
		return m.x.Size()
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m)
}

// Mutex runs one sequential NF for every core behind a single sync.Mutex.
// The lock is taken once per burst, not per packet: the cheapest correct way
// to share an unmodified NF, so the comparison flatters it.
type Mutex struct {
	mu    sync.Mutex
	nf    maestro.NF
	cores int
}

// NewMutex shares nf between cores workers.
func NewMutex(nf maestro.NF, cores int) *Mutex { return &Mutex{nf: nf, cores: max(cores, 1)} }

// Cores returns the number of workers.
func (m *Mutex) Cores() int { return m.cores }

// ProcessBurst runs the NF on the whole burst under the lock.
func (m *Mutex) ProcessBurst(_ int, pkts []maestro.Packet, verdicts []maestro.Verdict) {
	m.mu.Lock()
	for i := range pkts {
		verdicts[i] = m.nf.Process(&pkts[i])
	}
	m.mu.Unlock()
}

// stamp is an entry's last-refresh time. It fills a cache line so that two
// hot entries allocated side by side do not false-share between cores.
type stamp struct {
	t atomic.Int64
	_ [56]byte
}

// live reports whether an entry refreshed at last is still alive at now.
// A timeout <= 0 never expires.
func live(last, now, timeout int64) bool { return timeout <= 0 || now-last <= timeout }
