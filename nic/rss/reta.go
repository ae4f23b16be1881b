package rss

import (
	"encoding/hex"
	"fmt"
	"sort"
)

// MaxCores is the largest number of queues a RETA entry (uint16) can name.
const MaxCores = 1 << 16

// RoundRobin returns a RETA of size entries spreading cores queues round
// robin: entry i names queue i % cores. It returns nil if size or cores is
// not positive or cores exceeds MaxCores. With size a multiple of cores every
// queue gets the same number of entries; otherwise the first size%cores
// queues get one more.
func RoundRobin(size, cores int) []uint16 {
	if size <= 0 || cores <= 0 || cores > MaxCores {
		return nil
	}
	reta := make([]uint16, size)
	for i := range reta {
		reta[i] = uint16(i % cores)
	}
	return reta
}

// Balance returns a RETA of size entries over cores queues that evens out the
// load measured in bucketCounts (bucketCounts[i] is the traffic seen in RETA
// bucket i, i.e. with hash & (size-1) == i; missing entries count as zero,
// extra ones are ignored). As in the paper, the heaviest buckets are placed
// first, each on the currently least loaded queue (ties: the queue with fewer
// buckets, then the lower number), so with no traffic at all it degenerates
// to round robin. It returns nil on the inputs RoundRobin rejects.
func Balance(size, cores int, bucketCounts []uint64) []uint16 {
	if size <= 0 || cores <= 0 || cores > MaxCores {
		return nil
	}
	count := func(i int) uint64 {
		if i < len(bucketCounts) {
			return bucketCounts[i]
		}
		return 0
	}
	order := make([]int, size)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return count(order[a]) > count(order[b]) })
	load := make([]uint64, cores)
	n := make([]int, cores)
	reta := make([]uint16, size)
	for _, bucket := range order {
		best := 0
		for q := 1; q < cores; q++ {
			if load[q] < load[best] || load[q] == load[best] && n[q] < n[best] {
				best = q
			}
		}
		reta[bucket] = uint16(best)
		load[best] += count(bucket)
		n[best]++
	}
	return reta
}

// Config is the RSS configuration of one port: what the NIC (or the software
// backend) is programmed with.
type Config struct {
	Port   int        // port number
	Key    []byte     // Toeplitz key, the profile's length
	Fields HashFields // packet types hashed
	RETA   []uint16   // redirection table: bucket -> queue; shared by all ports
	// Default says this configuration also applies to every port that has
	// none of its own. The analysis gives each plan a pseudo-port standing
	// for every port the NF does not declare, and an NF may well process
	// frames arriving there: they must be hashed like that pseudo-port's
	// frames, not sent to one queue. At most one configuration of a set is
	// Default (see CheckConfigs).
	Default bool

	h *Hasher // built by Prepare; nil means Queue falls back to Toeplitz
}

// KeyHex returns the key in lower-case hex, as in the plan's JSON.
func (c *Config) KeyHex() string { return hex.EncodeToString(c.Key) }

// Prepare checks c (key long enough, RETA size a power of two) and builds the
// table-driven hasher Queue uses. Configs from Solution.WithCores and
// Solution.WithRETA are already prepared. Prepare must not run concurrently
// with Queue.
func (c *Config) Prepare() error {
	if n := len(c.RETA); n == 0 || n&(n-1) != 0 {
		return fmt.Errorf("rss: port %d: RETA size %d is not a power of two", c.Port, n)
	}
	h, err := NewHasherFields(c.Key, c.Fields)
	if err != nil {
		return fmt.Errorf("rss: port %d: %w", c.Port, err)
	}
	c.h = h
	return nil
}

// Hash returns the hash the NIC computes for an IPv4 packet on this port:
// the hash of the fields c.Fields selects (HashFields.Hashed), addresses
// only when hasPorts is false. Addresses and ports are in host byte order.
func (c *Config) Hash(srcIP, dstIP uint32, srcPort, dstPort uint16, hasPorts bool) uint32 {
	if !hasPorts {
		srcPort, dstPort = 0, 0 // the 2-tuple hash is the 4-tuple hash with zero ports
	}
	if c.h != nil {
		return c.h.Hash4(srcIP, dstIP, srcPort, dstPort)
	}
	return c.slowHash(srcIP, dstIP, srcPort, dstPort, hasPorts)
}

// slowHash is the bit-serial hash used before Prepare. It builds the input
// as the NIC does, the fields c.Fields selects concatenated (addresses only
// for a packet without ports), so it is an independent check of the
// table-driven Hasher.
func (c *Config) slowHash(srcIP, dstIP uint32, srcPort, dstPort uint16, hasPorts bool) uint32 {
	l := c.Fields.layout()
	if !hasPorts {
		l = layouts[l.set&addrFields]
	}
	var buf [InputLen]byte
	return Toeplitz(c.Key, l.input(buf[:0], srcIP, dstIP, srcPort, dstPort))
}

// Queue returns the queue (core) the NIC delivers an IPv4 packet on this
// port to: RETA[hash & (len(RETA)-1)], hashing the 2-tuple when hasPorts is
// false (see HashFields.HashesPorts). It returns 0 if the RETA is empty.
// Without Prepare it is correct but uses the slow bit-serial hash.
func (c *Config) Queue(srcIP, dstIP uint32, srcPort, dstPort uint16, hasPorts bool) int {
	n := len(c.RETA)
	if n == 0 {
		return 0
	}
	if !hasPorts {
		srcPort, dstPort = 0, 0
	}
	// Hash4 directly rather than through Hash: one call on the hot path.
	var h uint32
	if c.h != nil {
		h = c.h.Hash4(srcIP, dstIP, srcPort, dstPort)
	} else {
		h = c.slowHash(srcIP, dstIP, srcPort, dstPort, hasPorts)
	}
	return int(c.RETA[h&uint32(n-1)])
}

// Bucket returns the RETA entry an IPv4 packet on this port selects,
// hash & (len(RETA)-1), for counting traffic per bucket to feed Balance. It
// returns 0 if the RETA is empty.
func (c *Config) Bucket(srcIP, dstIP uint32, srcPort, dstPort uint16, hasPorts bool) int {
	n := len(c.RETA)
	if n == 0 {
		return 0
	}
	return int(c.Hash(srcIP, dstIP, srcPort, dstPort, hasPorts) & uint32(n-1))
}

// QueueNonIP returns the queue of packets the NIC does not hash (non-IP):
// they hash to 0, so RETA[0]. It returns 0 if the RETA is empty.
func (c *Config) QueueNonIP() int {
	if len(c.RETA) == 0 {
		return 0
	}
	return int(c.RETA[0])
}
