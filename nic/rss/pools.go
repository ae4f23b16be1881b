package rss

import (
	"fmt"
	"math/bits"
)

// RSS-aware allocation (DPDK's "predictable RSS", rte_thash, by another
// route): an NF that picks a value the return traffic is keyed on (NAT's
// external port) can pick it among values whose return packets hash to the
// core that picks it. Then the forward direction may hash its whole tuple,
// spreading even when every client talks to one server, and still find the
// return traffic on the same core.

// ValuePools partitions the values lo, lo+1, ..., lo+n-1 of field f by the
// queue a packet on this port reaches when it carries that value and the
// other fields of base ([SrcIP, DstIP, SrcPort, DstPort], host order): pools[q]
// are the values that reach queue q. c must have a RETA (Prepare is not
// needed).
//
// The pools come from the key's linear map: the hash of base with f = v is
// the hash with f = 0 XOR, for each set bit m of v, the column of bit m,
// so the table costs one hash per bit of f and one XOR per set bit and
// value. They are fair: every queue gets the same number of values, the
// largest power of two that every queue reaches (so containers sized by
// them, which round capacities to powers of two, fill evenly); the values
// beyond are left out, in order. It fails when f is not hashed on this port
// (the queue cannot depend on the value) or some queue gets no value.
func (c *Config) ValuePools(f Field, base [4]uint32, lo uint32, n int) ([][]uint32, error) {
	w := f.Width()
	if w == 0 {
		return nil, fmt.Errorf("rss: invalid field %v", f)
	}
	if len(c.RETA) == 0 || len(c.RETA)&(len(c.RETA)-1) != 0 {
		return nil, fmt.Errorf("rss: port %d: RETA size %d is not a power of two", c.Port, len(c.RETA))
	}
	if n < 1 || uint64(lo)+uint64(n) > uint64(1)<<w {
		return nil, fmt.Errorf("rss: values %d..%d+%d do not fit %v (%d bits)", lo, lo, n, f, w)
	}
	if !c.Fields.layout().set.Has(f) {
		return nil, fmt.Errorf("rss: port %d does not hash %v (hash fields %v): the queue cannot depend on it", c.Port, f, c.Fields)
	}
	h, err := NewHasherFields(c.Key, c.Fields)
	if err != nil {
		return nil, err
	}
	hash := func(x [4]uint32) uint32 { return h.Hash4(x[0], x[1], uint16(x[2]), uint16(x[3])) }
	x := base
	x[f] = 0
	h0 := hash(x)
	cols := make([]uint32, w)
	for m := range cols {
		x[f] = 1 << m
		cols[m] = hash(x) ^ h0
	}
	mask := uint32(len(c.RETA) - 1)
	cores := 0
	for _, q := range c.RETA {
		cores = max(cores, int(q)+1)
	}
	pools := make([][]uint32, cores)
	for i := range n {
		v := lo + uint32(i)
		hv := h0
		for r := v; r != 0; r &= r - 1 {
			hv ^= cols[bits.TrailingZeros32(r)]
		}
		q := c.RETA[hv&mask]
		pools[q] = append(pools[q], v)
	}
	fair := n
	for q, p := range pools {
		if len(p) == 0 {
			return nil, fmt.Errorf("rss: port %d: no value of %v in %d..%d reaches queue %d", c.Port, f, lo, uint64(lo)+uint64(n)-1, q)
		}
		fair = min(fair, len(p))
	}
	fair = 1 << (bits.Len(uint(fair)) - 1)
	for q := range pools {
		pools[q] = pools[q][:fair:fair]
	}
	return pools, nil
}

// ValueTable is what RestrictToPool needs of a table whose indexes stand
// for values (maestro.Table built by maestro.NewValueTable).
type ValueTable interface {
	Cap() int
	ValueOf(i int) uint32
	RestrictValues(values []uint32) error
}

// RestrictToPool makes core's table t allocate only the values of field f
// whose packets on port reach core, as cfgs (the configuration the NIC is
// programmed with, RETA included) decide: the pools of
// Config.ValuePools over t's values, with the other fields zero, which is
// right because the plan makes port's queue a function of f alone. Every
// core gets as many values (fair pools); each core's exhaustion shows in
// its own table's Refusals.
func RestrictToPool(cfgs []Config, port int, f Field, core int, t ValueTable) error {
	i := ConfigIndex(cfgs, port)
	if i < 0 {
		return fmt.Errorf("rss: no configuration for port %d", port)
	}
	pools, err := cfgs[i].ValuePools(f, [4]uint32{}, t.ValueOf(0), t.Cap())
	if err != nil {
		return err
	}
	if core < 0 || core >= len(pools) {
		return fmt.Errorf("rss: core %d of %d", core, len(pools))
	}
	return t.RestrictValues(pools[core])
}
