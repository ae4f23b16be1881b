// Thin C layer under package dpdk. DPDK's fast-path functions are static
// inline and many of its constants are macros, neither of which cgo can call
// or see; and every cgo call costs tens of nanoseconds. So the helpers here
// do a whole burst's work per call: receive and describe a burst, or apply a
// burst's verdicts (reference counts, one tx_burst per port, frees).

#ifndef MAESTRO_DPDK_SHIM_H
#define MAESTRO_DPDK_SHIM_H

#include <stdint.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

// mx_desc describes one received frame so that Go can build a []byte view of
// the mbuf's data: data points into the mbuf, len is the whole frame's
// length. A chained (multi-segment) mbuf is copied into a per-slot buffer
// of the burst (flags MX_DESC_COPY; mx_apply copies the NF's changes
// back); one longer than MX_MAX_FRAME is refused (MX_DESC_REFUSED, len 0):
// the NF must not see it, and it is freed. time is the driver's RX
// timestamp, in the driver's unit, when flags has MX_DESC_TIME (see
// mx_rx_timestamps).
struct mx_desc {
	unsigned char *data;
	uint64_t time;
	uint32_t len;
	uint16_t port; // Maestro's port index (see mx_rx), not the DPDK port id
	uint16_t flags;
};

// MX_FLOOD is maestro.Flood, the verdict mx_apply floods on.
#define MX_FLOOD (-2)

#define MX_DESC_TIME 1
#define MX_DESC_COPY 2
#define MX_DESC_REFUSED 4
// MX_RX_DESCRIBED, in mx_rxbuf.flags only, says desc describes the burst.
#define MX_RX_DESCRIBED 8

// MX_MAX_FRAME is the longest frame handed to the NF: a chained mbuf is
// copied into a buffer of at most this size, and sent as one contiguous
// mbuf of the big pool (whose data room, a uint16_t, cannot be larger).
// DPDK 22.11's net_pcap also keeps frame lengths in a uint16_t.
#define MX_MAX_FRAME 65535


// mx_txq names the TX queue a worker uses on one port. lock is NULL when
// the worker owns the queue and non-NULL when the device has fewer TX queues
// than workers and the queue is shared.
struct mx_txq {
	uint16_t port;
	uint16_t queue;
	rte_spinlock_t *lock;
};

// mx_port_info is the part of rte_eth_dev_info that the Go side needs.
struct mx_port_info {
	char driver[64];
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t max_rx_queues;
	uint16_t max_tx_queues;
	uint16_t reta_size;
	uint8_t hash_key_size;
	uint64_t flow_type_rss_offloads;
	uint64_t rx_offload_capa;
	int socket;
};

// mx_eth_stats is the part of rte_eth_stats that the Go side reports.
struct mx_eth_stats {
	uint64_t ipackets, opackets, imissed, ierrors, oerrors, rx_nombuf;
};

// MX_BURST is nic.BurstSize; MX_MAX_PORTS and MX_MAX_CORES bound the
// per-worker scratch arrays.
#define MX_BURST 32
#define MX_MAX_PORTS 16
#define MX_MAX_CORES 128

// mx_big holds the per-slot copies of chained mbufs: buf[i] (cap[i] bytes,
// allocated on first need, grown up to MX_MAX_FRAME) for burst slot i.
struct mx_big {
	unsigned char *buf[MX_BURST];
	uint32_t cap[MX_BURST];
};

// mx_rxbuf is a received burst and, when described (see mx_describe),
// its descriptors. It sits in C memory (in mx_burst or mx_fanout) so that
// Go reads it with plain loads.
struct mx_rxbuf {
	struct rte_mbuf *mbufs[MX_BURST];
	struct mx_desc desc[MX_BURST];
	struct mx_big big;
	// now is the wall clock (CLOCK_REALTIME, in ns) when the last
	// non-empty burst was received: what Packet.Time is without RX
	// timestamps. flags is MX_RX_DESCRIBED and the OR of the descriptors'
	// flags when desc is filled in, else 0: then no frame is copied or
	// refused, and the common burst is known in one test.
	int64_t now;
	// clock_ns and clock_tsc anchor stamp's TSC clock on CLOCK_REALTIME;
	// clock_span is how many TSC cycles it runs before anchoring again
	// (0: anchor at the next burst).
	int64_t clock_ns;
	uint64_t clock_tsc, clock_span;
	uint16_t flags;
	// tag is the Maestro port of every frame of a burst mx_rx received
	// without describing it, which leaves the mbufs' port fields as the
	// driver set them (one store per burst instead of one per frame); -1
	// when each mbuf's port field holds its own Maestro port (see mx_rx).
	int32_t tag;
};

// mx_burst is one worker's scratch memory and running counters, allocated
// in C (see mx_rxbuf). The NF writes its verdicts straight into verdicts,
// which mx_apply reads.
struct mx_burst {
	struct mx_rxbuf in;
	int32_t verdicts[MX_BURST];
	struct rte_mbuf *outs[MX_MAX_PORTS][MX_BURST];
	uint16_t counts[MX_MAX_PORTS];
	struct rte_mbuf *floods[MX_BURST];
	struct rte_mbuf *drops[MX_BURST];
	struct mx_txq txq[MX_MAX_PORTS];
	uint16_t nports;
	// big_pool holds contiguous mbufs of MX_MAX_FRAME bytes: mx_apply
	// copies a chained mbuf into one before sending it, since the ports are
	// configured without the multi-segment TX offload (and net_pcap cuts
	// chained frames above 16,128 bytes). A frame that cannot be copied,
	// for lack of a big mbuf, is freed and counted in tx_failed.
	struct rte_mempool *big_pool;
	// Running counts per Maestro port since the worker started: tx frames
	// the port's queue took; dropped frames the NF dropped (by input port;
	// not refused frames, which the Go side counts); tx_failed frames the
	// queue did not take or that could not be made contiguous.
	uint64_t tx[MX_MAX_PORTS];
	uint64_t dropped[MX_MAX_PORTS];
	uint64_t tx_failed[MX_MAX_PORTS];
};

// mx_fanout is the software dispatcher's scratch memory: the received burst,
// the mbufs grouped by destination core, and per (core, port) counts of
// mbufs lost because a worker's ring was full.
struct mx_fanout {
	struct mx_rxbuf in;
	struct rte_mbuf *groups[MX_MAX_CORES][MX_BURST];
	uint16_t counts[MX_MAX_CORES];
	uint32_t lost[MX_MAX_CORES * MX_MAX_PORTS];
	struct rte_ring *rings[MX_MAX_CORES];
};

// mx_merge merges the input ports of a replay by RX timestamp: q[p] holds
// port p's received burst, of which q[p][head[p]..count[p]) are still to
// be handed out. ids[p] is the DPDK port id of Maestro's port p; queue is
// the RX queue read on every port.
struct mx_merge {
	struct rte_mbuf *q[MX_MAX_PORTS][MX_BURST];
	uint16_t head[MX_MAX_PORTS];
	uint16_t count[MX_MAX_PORTS];
	uint16_t ids[MX_MAX_PORTS];
	uint16_t nports;
	uint16_t queue;
};

int mx_errno(void);
int mx_eal_init(int argc, char **argv, int capture_fd);
int mx_port_info(uint16_t port, struct mx_port_info *out);
uint16_t mx_first_ports(uint16_t *ids, uint16_t max);
int mx_port_setup(uint16_t port, uint16_t nrxq, uint16_t ntxq, uint16_t nb_rxd, uint16_t nb_txd,
                  struct rte_mempool *pool, uint64_t rss_hf, const uint8_t *key, uint8_t key_len,
                  uint64_t rx_offloads);
int mx_rx_timestamps(int on);
int mx_reta_update(uint16_t port, const uint16_t *reta, uint16_t reta_size);
// mx_rss_hf_get reads back the packet types and field selection the port
// hashes (rte_eth_rss_conf.rss_hf).
int mx_rss_hf_get(uint16_t port, uint64_t *rss_hf);
int mx_eth_stats(uint16_t port, struct mx_eth_stats *out);
struct rte_mempool *mx_pool_create(const char *name, unsigned n, unsigned cache, int socket);
struct rte_mempool *mx_big_pool_create(const char *name, unsigned n, int socket);
unsigned mx_pool_size(const struct rte_mempool *mp);
long mx_pool_avail(const struct rte_mempool *mp);

// The per-burst calls take their C structures as uintptr_t: cgo checks
// every pointer argument whose target holds pointers for Go memory, which
// costs more than the rest of the call, and these never point to Go memory.
uint16_t mx_rx(uintptr_t rb, uint16_t port, uint16_t queue, uint16_t tag, int describe);
void mx_describe(uintptr_t rb, uint16_t n);
uint16_t mx_ring_rx(uintptr_t rb, uintptr_t ring);
uint16_t mx_merge_rx(uintptr_t merge, uintptr_t rb);
void mx_apply(uintptr_t b, uint16_t n);
uint16_t mx_apply_rx(uintptr_t b, uint16_t n, uint16_t port, uint16_t queue, uint16_t tag_);
unsigned mx_merge_free(struct mx_merge *g);
unsigned mx_dispatch_keep(struct mx_fanout *f, uint16_t ncores);
void mx_big_free(struct mx_big *big);
unsigned mx_dispatch(struct mx_fanout *f, uint16_t ncores, uint16_t nports);
unsigned mx_ring_drain(struct rte_ring *r);
void mx_free_bulk(struct rte_mbuf **mbufs, unsigned n);
struct rte_mbuf *mx_alloc(struct rte_mempool *mp);
uint16_t mx_refcnt(struct rte_mbuf *m);

#endif
