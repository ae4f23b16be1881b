//go:build dpdk

package dpdk

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
)

// RSS hash functions (rte_eth_rss_conf.rss_hf bits). Run asks for
// DefaultHash intersected with what the device offers.
const (
	HashIPv4    uint64 = C.RTE_ETH_RSS_IPV4
	HashIPv4TCP uint64 = C.RTE_ETH_RSS_NONFRAG_IPV4_TCP
	HashIPv4UDP uint64 = C.RTE_ETH_RSS_NONFRAG_IPV4_UDP
	// DefaultHash hashes IPv4 addresses, and L4 ports for unfragmented TCP
	// and UDP: the input Maestro's RSS solver assumes.
	DefaultHash = HashIPv4 | HashIPv4TCP | HashIPv4UDP

	// Field selection: hash only the source or destination address, or
	// port (rss.HashL3SrcOnly and the others; i40e, ice and mlx5 accept
	// them). The solver's keys for a port with these flags assume the
	// narrowed input: Run refuses RSS on a device that does not offer them
	// and falls back to software dispatch rather than hash more fields.
	HashL3SrcOnly uint64 = C.RTE_ETH_RSS_L3_SRC_ONLY
	HashL3DstOnly uint64 = C.RTE_ETH_RSS_L3_DST_ONLY
	HashL4SrcOnly uint64 = C.RTE_ETH_RSS_L4_SRC_ONLY
	HashL4DstOnly uint64 = C.RTE_ETH_RSS_L4_DST_ONLY
	// HashOnly is every field selection flag.
	HashOnly = HashL3SrcOnly | HashL3DstOnly | HashL4SrcOnly | HashL4DstOnly
)

// RSS is one port's receive side scaling configuration, as the RSS solver
// produces it.
type RSS struct {
	// Key is the Toeplitz key. Its length must be the device's hash key
	// size (40 or 52 bytes); nil keeps the device's default key.
	Key []byte
	// RETA is the redirection table: entry i is the core that receives the
	// packets whose hash has low bits i. Its length must be the device's
	// RETA size or divide it (the table is then repeated, which keeps the
	// meaning of the low bits). nil spreads the entries round-robin.
	RETA []uint16
	// Hash selects the hashed packet types and fields (Hash* bits); 0 is
	// DefaultHash.
	Hash uint64
	// Default makes this entry also the configuration of every port that
	// has none of its own: beyond the end of Config.RSS, or a zero entry
	// (as rss.Config.Default). At most one entry is Default.
	Default bool
}

// isZero reports whether r configures nothing (the port has no entry).
func (r *RSS) isZero() bool { return r.Key == nil && r.RETA == nil && r.Hash == 0 && !r.Default }

// RSSFrom converts the RSS solver's per-port configurations (what a
// generated parallel NF's RSS method returns) into Config.RSS, indexed by
// rss.Config.Port. Ports without a configuration get the one marked
// rss.Config.Default (the analysis's pseudo-port for undeclared ports) if
// there is one, the zero RSS otherwise; the Default flag is kept, so that
// ports beyond the slice get it too. Fields 0 becomes Hash 0, DefaultHash,
// as soft.RSSDispatcher also reads it.
func RSSFrom(cfgs []rss.Config) []RSS {
	var out []RSS
	def := RSS{}
	for _, c := range cfgs {
		if c.Default {
			def = rssOf(c)
			def.Default = false // the gaps are copies, not more defaults
		}
	}
	for _, c := range cfgs {
		for len(out) <= c.Port {
			out = append(out, RSS{})
		}
		out[c.Port] = rssOf(c)
	}
	for i := range out {
		if out[i].isZero() {
			out[i] = def
		}
	}
	return out
}

// rssOf converts one solver configuration.
func rssOf(c rss.Config) RSS {
	var hash uint64
	if c.Fields&rss.HashIPv4 != 0 {
		hash |= HashIPv4
	}
	if c.Fields&rss.HashIPv4TCP != 0 {
		hash |= HashIPv4TCP
	}
	if c.Fields&rss.HashIPv4UDP != 0 {
		hash |= HashIPv4UDP
	}
	for _, f := range []struct {
		rss  rss.HashFields
		dpdk uint64
	}{{rss.HashL3SrcOnly, HashL3SrcOnly}, {rss.HashL3DstOnly, HashL3DstOnly}, {rss.HashL4SrcOnly, HashL4SrcOnly}, {rss.HashL4DstOnly, HashL4DstOnly}} {
		if c.Fields&f.rss != 0 {
			hash |= f.dpdk
		}
	}
	return RSS{Key: c.Key, RETA: c.RETA, Hash: hash, Default: c.Default}
}

// defaultRSS returns the entry of rs marked Default, or the zero RSS.
func defaultRSS(rs []RSS) RSS {
	for _, r := range rs {
		if r.Default {
			return r
		}
	}
	return RSS{}
}

// checkRSS refuses more than one Default entry: the ports without their
// own configuration would have two.
func checkRSS(rs []RSS) error {
	def := -1
	for i, r := range rs {
		if r.Default {
			if def >= 0 {
				return fmt.Errorf("dpdk: RSS entries %d and %d are both Default", def, i)
			}
			def = i
		}
	}
	return nil
}

// Mode says how packets reach the workers.
type Mode int

const (
	// ModeSingle runs one worker that polls queue 0 of every port.
	ModeSingle Mode = iota
	// ModeRSS has one RX queue per worker on every port and lets the NIC's
	// RSS pick the queue.
	ModeRSS
	// ModeSoftware has one poller receive on queue 0 of every port and send
	// each packet to the worker that Config.Dispatch names.
	ModeSoftware
)

// String returns "single", "rss" or "software".
func (m Mode) String() string {
	switch m {
	case ModeSingle:
		return "single"
	case ModeRSS:
		return "rss"
	case ModeSoftware:
		return "software"
	}
	return "mode(?)"
}

// Config says how Run sets up DPDK.
type Config struct {
	// EAL holds the EAL arguments, e.g. "--no-huge", "-m", "512",
	// "--no-pci", "--vdev=net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap". Run
	// starts the EAL with them unless it already runs; then EAL must be
	// empty or equal to the arguments it was started with.
	EAL []string
	// Ports is the number of ports to use (the first available DPDK ports,
	// which become maestro.Port 0..Ports-1); 0 uses every available port.
	Ports int
	// Cores is the number of workers; 0 means the processor's Cores().
	Cores int
	// CPUs pins worker i to CPUs[i%len(CPUs)], and the software dispatcher
	// to CPUs[Cores] when present. nil uses the CPUs the process was
	// allowed before the EAL started, in order.
	CPUs []int
	// RSS is the configuration of each port; missing entries use the
	// device's key, DefaultHash and a round-robin table.
	RSS []RSS
	// Dispatch maps a parsed packet to a worker (reduced modulo the number
	// of workers) when the ports cannot do RSS. It must not keep p. Run
	// fails when it is needed and nil.
	Dispatch func(p *maestro.Packet) int
	// Software forces software dispatch even where the device could do
	// RSS.
	Software bool
	// IdleTimeout, when positive, ends the run once packets have been
	// received and then none for this long: the end of pcap input.
	IdleTimeout time.Duration
	// ReportEvery is the period of the report callback; 0 reports only at
	// the end.
	ReportEvery time.Duration
	// RXDesc and TXDesc are the descriptors per queue (0: 1024).
	RXDesc, TXDesc int
	// PoolSize is the number of mbufs (0: enough for every queue and ring).
	PoolSize int
	// RingSize is the capacity of each worker's software dispatch ring
	// (rounded up to a power of two; 0: 4096).
	RingSize int
	// WallClock makes Packet.Time the wall clock at each burst even where
	// the ports stamp packets (see Result.Notes for which clock a run
	// used).
	WallClock bool
	// BusyPoll keeps idle workers spinning; by default a worker that found
	// nothing for a while sleeps a few microseconds between polls, which
	// spares shared machines at the cost of wake-up latency.
	BusyPoll bool
	// Logf receives notes such as the fallback to software dispatch; nil
	// uses log.Printf.
	Logf func(format string, args ...any)
}

// MaxFrame is the longest frame Run hands to an NF (65,535 bytes: DPDK
// 22.11's net_pcap and a contiguous mbuf cannot hold more); longer frames
// are counted in PortStats.Refused and freed. Frames that arrive in several
// segments (above about 2 KiB) reach the NF as one slice, and are sent as
// one contiguous mbuf.
const MaxFrame = C.MX_MAX_FRAME

// DeviceStats are a port's rte_eth_stats counters.
type DeviceStats struct {
	IPackets, OPackets uint64
	IMissed            uint64 // dropped by the NIC for lack of RX descriptors
	IErrors, OErrors   uint64
	RXNoMbuf           uint64 // RX mbuf allocation failures
}

// PortStats counts one port's traffic.
type PortStats struct {
	// Port is the Maestro port; ID and Name identify the DPDK port.
	Port maestro.Port
	ID   uint16
	Name string
	// Stats sums the queues. RX counts packets the NF saw, TX packets the
	// device accepted, Dropped packets from this port the NF dropped.
	// Missed adds the device's imissed and rx_nombuf to the queues' Missed.
	nic.Stats
	// TXFailed counts packets the NF sent here that the TX queue refused,
	// or that arrived in several segments and found no free contiguous
	// mbuf to be copied into (they were freed).
	TXFailed uint64
	// Refused counts frames received here that were longer than MaxFrame:
	// the NF never saw them, they were freed, and Missed includes them.
	// (Chained mbufs up to MaxFrame are copied into one buffer for the NF
	// and reach it whole.)
	Refused uint64
	// Queues has one entry per worker (its RX queue in RSS mode). Missed is
	// the packets the software dispatcher could not hand to that worker.
	Queues []nic.Stats
	// Device is what the driver counted.
	Device DeviceStats
}

// PoolStats accounts for the mbuf pool: every mbuf is either available (in
// the pool or a per-lcore cache) or in use (received and not yet sent or
// freed, or held by a driver). Avail is counted exactly, without the cap at
// Size that rte_mempool_avail_count applies, so a double free shows as
// Avail > Size and a negative InUse.
type PoolStats struct {
	Size, Avail, InUse int
}

// Stats is a snapshot of a run.
type Stats struct {
	// Elapsed is the time since the workers started.
	Elapsed time.Duration
	// Ports has one entry per port; Total sums them.
	Ports []PortStats
	Total nic.Stats
	// Pool is the mbuf pool's accounting.
	Pool PoolStats
}

// Result describes a finished run.
type Result struct {
	// Mode is how packets reached the workers.
	Mode Mode
	// Notes explains set-up decisions: a fallback to software dispatch and
	// why, and where Packet.Time comes from (the ports' RX timestamps, or
	// the wall clock at each burst and why).
	Notes []string
	// Timestamps reports that Packet.Time came from the ports' RX
	// timestamps (for net_pcap, the input pcaps' record times) rather than
	// the wall clock.
	Timestamps bool
	// Stats is the final snapshot, taken after the ports stopped and every
	// ring was drained: Stats.Pool.InUse is 0 unless an mbuf leaked or a
	// driver holds mbufs while stopped.
	Stats Stats
}
