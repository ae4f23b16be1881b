//go:build dpdk

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <rte_malloc.h>
#include "shim.h"

int mx_errno(void) { return rte_errno; }

// mx_eal_init runs rte_eal_init with the process's stdout and stderr sent
// to capture_fd (when it is >= 0), so that the caller decides what of the
// EAL's output to show: on a bad command line the EAL prints its whole
// usage text and several log lines, where one error line is wanted. stdio
// is flushed on both sides of the switch so nothing buffered crosses it.
int mx_eal_init(int argc, char **argv, int capture_fd) {
	int rc, err, saved_out = -1, saved_err = -1;
	if (capture_fd >= 0) {
		fflush(stdout);
		fflush(stderr);
		saved_out = dup(STDOUT_FILENO);
		saved_err = dup(STDERR_FILENO);
		if (saved_out < 0 || saved_err < 0) {
			// Without a way back, do not redirect at all.
			if (saved_out >= 0)
				close(saved_out);
			if (saved_err >= 0)
				close(saved_err);
			saved_out = saved_err = -1;
		} else {
			dup2(capture_fd, STDOUT_FILENO);
			dup2(capture_fd, STDERR_FILENO);
		}
	}
	rc = rte_eal_init(argc, argv);
	err = rte_errno;
	if (saved_out >= 0) {
		fflush(stdout);
		fflush(stderr);
		dup2(saved_out, STDOUT_FILENO);
		dup2(saved_err, STDERR_FILENO);
		close(saved_out);
		close(saved_err);
	}
	rte_errno = err;
	return rc;
}

int mx_port_info(uint16_t port, struct mx_port_info *out) {
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	memset(out, 0, sizeof(*out));
	if (info.driver_name != NULL)
		strncpy(out->driver, info.driver_name, sizeof(out->driver) - 1);
	rte_eth_dev_get_name_by_port(port, out->name);
	out->max_rx_queues = info.max_rx_queues;
	out->max_tx_queues = info.max_tx_queues;
	out->reta_size = info.reta_size;
	out->hash_key_size = info.hash_key_size;
	out->flow_type_rss_offloads = info.flow_type_rss_offloads;
	out->rx_offload_capa = info.rx_offload_capa;
	out->socket = rte_eth_dev_socket_id(port);
	return 0;
}

// RTE_ETH_FOREACH_DEV is a macro over an ownership iterator.
uint16_t mx_first_ports(uint16_t *ids, uint16_t max) {
	uint16_t n = 0, p;
	RTE_ETH_FOREACH_DEV(p) {
		if (n == max)
			break;
		ids[n++] = p;
	}
	return n;
}

int mx_port_setup(uint16_t port, uint16_t nrxq, uint16_t ntxq, uint16_t nb_rxd, uint16_t nb_txd,
                  struct rte_mempool *pool, uint64_t rss_hf, const uint8_t *key, uint8_t key_len,
                  uint64_t rx_offloads) {
	struct rte_eth_conf conf;
	int rc;
	uint16_t q;

	// Stopping an already stopped port is harmless and lets a process run
	// several configurations one after the other.
	rte_eth_dev_stop(port);
	// No TX offloads: in particular not MBUF_FAST_FREE, since floods send
	// one mbuf with a reference count above one to several ports.
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = rx_offloads;
	if (rss_hf != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)key;
		conf.rx_adv_conf.rss_conf.rss_key_len = key_len;
		conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
	}
	rc = rte_eth_dev_configure(port, nrxq, ntxq, &conf);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc < 0)
		return rc;
	for (q = 0; q < nrxq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, rte_eth_dev_socket_id(port), NULL, pool);
		if (rc < 0)
			return rc;
	}
	for (q = 0; q < ntxq; q++) {
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, rte_eth_dev_socket_id(port), NULL);
		if (rc < 0)
			return rc;
	}
	// Not every vdev has a promiscuous mode; a failure here is not fatal.
	rte_eth_promiscuous_enable(port);
	rc = rte_eth_dev_start(port);
	// Each run reports its own device counters.
	if (rc == 0)
		rte_eth_stats_reset(port);
	return rc;
}

int mx_rss_hf_get(uint16_t port, uint64_t *rss_hf) {
	struct rte_eth_rss_conf conf;
	int rc;
	memset(&conf, 0, sizeof(conf)); // rss_key NULL: the key is not wanted
	rc = rte_eth_dev_rss_hash_conf_get(port, &conf);
	*rss_hf = conf.rss_hf;
	return rc;
}

int mx_reta_update(uint16_t port, const uint16_t *reta, uint16_t reta_size) {
	uint16_t groups = (reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE;
	struct rte_eth_rss_reta_entry64 conf[groups];
	uint16_t i;
	memset(conf, 0, sizeof(conf));
	for (i = 0; i < reta_size; i++) {
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = reta[i];
	}
	return rte_eth_dev_rss_reta_update(port, conf, reta_size);
}

int mx_eth_stats(uint16_t port, struct mx_eth_stats *out) {
	struct rte_eth_stats s;
	int rc = rte_eth_stats_get(port, &s);
	if (rc != 0)
		return rc;
	out->ipackets = s.ipackets;
	out->opackets = s.opackets;
	out->imissed = s.imissed;
	out->ierrors = s.ierrors;
	out->oerrors = s.oerrors;
	out->rx_nombuf = s.rx_nombuf;
	return 0;
}

struct rte_mempool *mx_pool_create(const char *name, unsigned n, unsigned cache, int socket) {
	return rte_pktmbuf_pool_create(name, n, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
}

// mx_big_pool_create makes a pool of n mbufs that hold MX_MAX_FRAME bytes
// each (after the headroom is given up; see mx_linear).
struct rte_mempool *mx_big_pool_create(const char *name, unsigned n, int socket) {
	return rte_pktmbuf_pool_create(name, n, 0, 0, MX_MAX_FRAME, socket);
}

// mx_linear returns a contiguous copy of the chained mbuf m from pool, and
// frees the caller's reference to m; or NULL (m untouched) when the pool is
// empty or the frame does not fit.
static struct rte_mbuf *mx_linear(struct rte_mempool *pool, struct rte_mbuf *m) {
	struct rte_mbuf *c;
	uint32_t len = m->pkt_len;
	if (pool == NULL || len > MX_MAX_FRAME)
		return NULL;
	c = rte_pktmbuf_alloc(pool);
	if (c == NULL)
		return NULL;
	// A big mbuf has no use for headroom: give it to the data.
	c->data_off = 0;
	if (rte_pktmbuf_tailroom(c) < len || rte_pktmbuf_read(m, 0, len, rte_pktmbuf_mtod(c, void *)) == NULL) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	// rte_pktmbuf_read returns a pointer into m, without copying, when the
	// range is contiguous; m is chained here, so it copied.
	c->data_len = (uint16_t)len;
	c->pkt_len = len;
	c->port = m->port;
	rte_pktmbuf_free(m);
	return c;
}

unsigned mx_pool_size(const struct rte_mempool *mp) { return mp->size; }

// mx_pool_avail counts the mbufs in the pool and in every lcore's cache.
// rte_mempool_avail_count does the same but caps the sum at the pool size,
// which hides a double free; this count does not, so accounting can tell a
// leak (fewer than the size) from a double free (more).
long mx_pool_avail(const struct rte_mempool *mp) {
	// rte_mempool_ops_get_count is internal (not exported); this is what it does.
	long n = rte_mempool_get_ops(mp->ops_index)->get_count(mp);
	unsigned lcore;
	if (mp->cache_size != 0)
		for (lcore = 0; lcore < RTE_MAX_LCORE; lcore++)
			n += mp->local_cache[lcore].len;
	return n;
}

// The RX timestamp dynamic field and flag, when a run reads timestamps; the
// flag is 0 otherwise, so describe skips the check. Registration is per
// process (the offset is the same for every later call), so only the flag
// is switched per run.
static int mx_ts_offset = -1;
static uint64_t mx_ts_flag;
static uint64_t mx_ts_registered;

// mx_rx_timestamps makes describe report RX timestamps (on != 0) or not.
// It registers the timestamp dynamic field if no driver has yet; the
// drivers that offer RTE_ETH_RX_OFFLOAD_TIMESTAMP fill it when the offload
// is enabled. Returns 0, or a negative errno when the field cannot be
// registered.
int mx_rx_timestamps(int on) {
	if (!on) {
		mx_ts_flag = 0;
		return 0;
	}
	if (mx_ts_registered == 0) {
		int rc = rte_mbuf_dyn_rx_timestamp_register(&mx_ts_offset, &mx_ts_registered);
		if (rc < 0)
			return -rte_errno;
	}
	mx_ts_flag = mx_ts_registered;
	return 0;
}

// tag writes r->tag, the burst's Maestro port, into the port field of its
// first n mbufs, where describe, mx_apply and the rings read it, unless
// they hold it already (r->tag < 0).
static inline void tag(struct mx_rxbuf *r, uint16_t n) {
	uint16_t i;
	if (r->tag < 0)
		return;
	for (i = 0; i < n; i++)
		r->mbufs[i]->port = (uint16_t)r->tag;
	r->tag = -1;
}

// describe fills r->desc[i] for r->mbufs[i], i < n, and sets r->flags. A chained
// mbuf is copied into r->big.buf[i] so the NF sees the whole frame as one
// slice (the mbuf itself, whose segments are sent or freed as they are, is
// left alone until writeback); one above MX_MAX_FRAME, or for which no
// buffer can be allocated, is marked refused.
static inline void describe(struct mx_rxbuf *r, uint16_t n) {
	struct mx_desc *d = r->desc;
	struct mx_big *big = &r->big;
	uint16_t i, all = 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = r->mbufs[i];
		d[i].data = rte_pktmbuf_mtod(m, unsigned char *);
		d[i].len = m->data_len;
		d[i].port = m->port;
		d[i].flags = 0;
		if (unlikely(m->nb_segs > 1 || m->pkt_len != m->data_len)) {
			uint32_t len = m->pkt_len;
			if (len > MX_MAX_FRAME) {
				d[i].len = 0;
				d[i].flags = MX_DESC_REFUSED;
			} else {
				if (big->cap[i] < len) {
					uint32_t c = big->cap[i] * 2;
					if (c < len)
						c = len;
					if (c < 16384)
						c = 16384;
					if (c > MX_MAX_FRAME)
						c = MX_MAX_FRAME;
					rte_free(big->buf[i]);
					big->buf[i] = rte_malloc(NULL, c, 64);
					big->cap[i] = big->buf[i] != NULL ? c : 0;
				}
				if (big->buf[i] == NULL || rte_pktmbuf_read(m, 0, len, big->buf[i]) == NULL) {
					d[i].len = 0;
					d[i].flags = MX_DESC_REFUSED;
				} else {
					// rte_pktmbuf_read returns a pointer into the mbuf when
					// the range is contiguous; force the copy to be the
					// one the NF sees, for writeback.
					if (m->nb_segs == 1)
						memcpy(big->buf[i], rte_pktmbuf_mtod(m, void *), len);
					d[i].data = big->buf[i];
					d[i].len = len;
					d[i].flags = MX_DESC_COPY;
				}
			}
		}
		if (mx_ts_flag != 0 && (m->ol_flags & mx_ts_flag) != 0) {
			d[i].time = *RTE_MBUF_DYNFIELD(m, mx_ts_offset, rte_mbuf_timestamp_t *);
			d[i].flags |= MX_DESC_TIME;
		}
		all |= d[i].flags;
	}
	r->flags = all | MX_RX_DESCRIBED;
}

// mx_describe describes the first n frames of the mx_rxbuf rb (see
// describe), for a burst mx_rx left undescribed.
void mx_describe(uintptr_t rb, uint16_t n) {
	struct mx_rxbuf *r = (struct mx_rxbuf *)rb;
	tag(r, n);
	describe(r, n);
}

// MX_CLOCK_SPAN_NS is how long stamp's TSC clock runs between two anchors
// on CLOCK_REALTIME: 10 ms.
#define MX_CLOCK_SPAN_NS 10000000LL

// mx_tsc_ns is the length of a TSC cycle in ns, times 2^32 (0 until the
// first anchor).
static uint64_t mx_tsc_ns;

// stamp sets r->now to the wall clock. It reads the TSC, which costs a
// few ns, where clock_gettime costs about 20 ns a burst, and converts it
// from an anchor on CLOCK_REALTIME taken at most MX_CLOCK_SPAN_NS ago
// (so an idle or drifting TSC never strays far from the wall clock). A
// new anchor a few ns behind the TSC's last time does not move the clock
// back; a real step of the wall clock does.
static inline void stamp(struct mx_rxbuf *r) {
	uint64_t tsc = rte_get_tsc_cycles(), d = tsc - r->clock_tsc;
	int64_t t;
	if (unlikely(r->clock_span == 0 || d >= r->clock_span)) {
		struct timespec ts;
		uint64_t hz;
		clock_gettime(CLOCK_REALTIME, &ts);
		if (mx_tsc_ns == 0 && (hz = rte_get_tsc_hz()) != 0)
			mx_tsc_ns = (uint64_t)(((unsigned __int128)1000000000 << 32) / hz);
		r->clock_tsc = rte_get_tsc_cycles();
		r->clock_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		r->clock_span = mx_tsc_ns != 0 ? (uint64_t)(((unsigned __int128)MX_CLOCK_SPAN_NS << 32) / mx_tsc_ns) : 0;
		t = r->clock_ns;
	} else {
		t = r->clock_ns + (int64_t)(((unsigned __int128)d * mx_tsc_ns) >> 32);
	}
	if (t < r->now && r->now - t < MX_CLOCK_SPAN_NS)
		t = r->now;
	r->now = t;
}

// writeback copies the NF's view of every copied frame (MX_DESC_COPY)
// back into its mbuf's segments, so that what is sent is what the NF wrote.
static void writeback(struct rte_mbuf **mbufs, const struct mx_desc *d, uint16_t n) {
	uint16_t i;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *seg;
		const unsigned char *src = d[i].data;
		uint32_t left = d[i].len;
		if ((d[i].flags & MX_DESC_COPY) == 0)
			continue;
		for (seg = mbufs[i]; seg != NULL && left > 0; seg = seg->next) {
			uint32_t k = seg->data_len < left ? seg->data_len : left;
			memcpy(rte_pktmbuf_mtod(seg, void *), src, k);
			src += k;
			left -= k;
		}
	}
}

// mx_big_free frees the per-slot copy buffers.
void mx_big_free(struct mx_big *big) {
	unsigned i;
	for (i = 0; i < MX_BURST; i++) {
		rte_free(big->buf[i]);
		big->buf[i] = NULL;
		big->cap[i] = 0;
	}
}

// mx_rx receives a burst into the mx_rxbuf rb. The frames' Maestro port
// is tag_, Maestro's index of the input port (0..P-1), which is what the
// NF sees as InPort: the software dispatcher's rings carry mbufs of every
// port, and not every PMD fills the mbuf's port field anyway. The burst is
// described when describe_ is non-zero or RX timestamps are on, and then
// every mbuf's port field holds tag_; otherwise flags is 0, r->tag holds
// tag_ for the whole burst, and the caller reads the mbufs itself, calling
// mx_describe (which tags them) if one of them is chained.
uint16_t mx_rx(uintptr_t rb, uint16_t port, uint16_t queue, uint16_t tag_, int describe_) {
	struct mx_rxbuf *r = (struct mx_rxbuf *)rb;
	uint16_t got = rte_eth_rx_burst(port, queue, r->mbufs, MX_BURST);
	if (got == 0)
		return 0;
	r->tag = tag_;
	r->flags = 0;
	if (describe_ || mx_ts_flag != 0) {
		tag(r, got);
		describe(r, got);
	}
	stamp(r);
	return got;
}

// mx_ring_rx receives a burst from ring into the mx_rxbuf rb and
// describes it.
uint16_t mx_ring_rx(uintptr_t rb, uintptr_t ring) {
	struct mx_rxbuf *r = (struct mx_rxbuf *)rb;
	uint16_t got = rte_ring_sc_dequeue_burst((struct rte_ring *)ring, (void **)r->mbufs, MX_BURST, NULL);
	if (got == 0)
		return 0;
	r->tag = -1; // the dispatcher tagged them
	describe(r, got);
	stamp(r);
	return got;
}

// mx_ts returns m's RX timestamp, or 0 when it has none.
static inline uint64_t mx_ts(const struct rte_mbuf *m) {
	if (mx_ts_flag != 0 && (m->ol_flags & mx_ts_flag) != 0)
		return *RTE_MBUF_DYNFIELD(m, mx_ts_offset, rte_mbuf_timestamp_t *);
	return 0;
}

// mx_merge_rx hands out up to n frames of g's ports in RX timestamp order
// and describes them: it always takes the earliest of the ports' next
// frames (ties to the lower port), receiving a port's next burst when its
// previous one is used up, so frames of one port keep their order and a
// frame never overtakes an earlier one of another port that the device
// has ready. A port that has nothing ready (a replayed file at its end) is
// left out until it has. It returns 0 when no port has anything. merge is
// an mx_merge, rb the mx_rxbuf that receives the burst.
uint16_t mx_merge_rx(uintptr_t merge, uintptr_t rb) {
	struct mx_merge *g = (struct mx_merge *)merge;
	struct mx_rxbuf *r = (struct mx_rxbuf *)rb;
	struct rte_mbuf **mbufs = r->mbufs;
	uint16_t got = 0, p, i;
	while (got < MX_BURST) {
		int best = -1;
		uint64_t bt = 0;
		for (p = 0; p < g->nports; p++) {
			uint64_t t;
			if (g->head[p] == g->count[p]) {
				g->head[p] = 0;
				g->count[p] = rte_eth_rx_burst(g->ids[p], g->queue, g->q[p], MX_BURST);
				for (i = 0; i < g->count[p]; i++)
					g->q[p][i]->port = p;
				if (g->count[p] == 0)
					continue;
			}
			t = mx_ts(g->q[p][g->head[p]]);
			if (best < 0 || t < bt) {
				best = p;
				bt = t;
			}
		}
		if (best < 0)
			break;
		mbufs[got++] = g->q[best][g->head[best]++];
	}
	if (got == 0)
		return 0;
	r->tag = -1; // tagged above
	describe(r, got);
	stamp(r);
	return got;
}

// mx_merge_free frees the frames g holds and returns how many there were.
unsigned mx_merge_free(struct mx_merge *g) {
	unsigned total = 0;
	uint16_t p;
	for (p = 0; p < g->nports; p++) {
		if (g->head[p] < g->count[p]) {
			rte_pktmbuf_free_bulk(g->q[p] + g->head[p], g->count[p] - g->head[p]);
			total += g->count[p] - g->head[p];
		}
		g->head[p] = g->count[p] = 0;
	}
	return total;
}

// mx_send transmits n mbufs and returns how many the queue took. A full queue
// gets a few more tries (the NIC drains it meanwhile); what is left is the
// caller's to free.
static inline uint16_t mx_send(const struct mx_txq *t, struct rte_mbuf **m, uint16_t n) {
	uint16_t sent = 0;
	int tries;
	if (t->lock != NULL)
		rte_spinlock_lock(t->lock);
	for (tries = 0; tries < 4 && sent < n; tries++)
		sent += rte_eth_tx_burst(t->port, t->queue, m + sent, n - sent);
	if (t->lock != NULL)
		rte_spinlock_unlock(t->lock);
	return sent;
}

// mx_apply sends the worker's burst of n frames as the NF's verdicts in
// b->verdicts say: a port index forwards, MX_FLOOD sends out of every port
// but the input port, anything else (a drop, a port that does not exist,
// a flood with nowhere to go, a refused frame) frees. It copies the NF's
// changes to copied frames back first, sends one tx_burst per port, frees
// what was not sent and updates b's counters. b is an mx_burst.
void mx_apply(uintptr_t bp, uint16_t n) {
	struct mx_burst *b = (struct mx_burst *)bp;
	const struct mx_desc *d = b->in.desc;
	const int32_t *v = b->verdicts;
	uint16_t nports = b->nports, nflood = 0, ndrop = 0, i, p;
	int32_t burst_port = b->in.tag;
	// Only a described burst (flags non-zero) has copied or refused
	// frames; the others' descriptors are not filled in.
	uint16_t special = b->in.flags & (MX_DESC_COPY | MX_DESC_REFUSED);
	int32_t same = 0;
	if (unlikely(special & MX_DESC_COPY))
		writeback(b->in.mbufs, d, n);
	// The common burst: every frame to one port, sent as received.
	for (i = 0; i < n; i++)
		same |= v[i] ^ v[0];
	if (likely(same == 0 && n > 0 && special == 0 && v[0] >= 0 && v[0] < nports)) {
		uint16_t s = mx_send(&b->txq[v[0]], b->in.mbufs, n);
		b->tx[v[0]] += s;
		if (unlikely(s < n)) {
			b->tx_failed[v[0]] += n - s;
			rte_pktmbuf_free_bulk(b->in.mbufs + s, n - s);
		}
		return;
	}
	for (p = 0; p < nports; p++)
		b->counts[p] = 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = b->in.mbufs[i];
		if (likely(v[i] >= 0 && v[i] < nports)) {
			b->outs[v[i]][b->counts[v[i]]++] = m;
			continue;
		}
		uint16_t in = burst_port >= 0 ? (uint16_t)burst_port : m->port;
		if (v[i] == MX_FLOOD && nports > 1 && !(special && (d[i].flags & MX_DESC_REFUSED))) {
			for (p = 0; p < nports; p++)
				if (p != in)
					b->outs[p][b->counts[p]++] = m;
			b->floods[nflood++] = m;
			continue;
		}
		b->drops[ndrop++] = m;
		if (!(special && (d[i].flags & MX_DESC_REFUSED)) && in < MX_MAX_PORTS)
			b->dropped[in]++;
	}
	// A flooded mbuf goes to several ports. Each port's driver frees it
	// once after sending, so it needs one reference per destination, taken
	// before the first transmission.
	// Every segment of a chained mbuf needs them, since rte_pktmbuf_free
	// frees each segment whose own count drops to zero.
	if (nflood > 0 && nports > 2)
		for (i = 0; i < nflood; i++) {
			struct rte_mbuf *seg;
			for (seg = b->floods[i]; seg != NULL; seg = seg->next)
				rte_mbuf_refcnt_update(seg, nports - 2);
		}
	for (p = 0; p < nports; p++) {
		struct rte_mbuf **m = b->outs[p];
		uint16_t c = b->counts[p], s, k;
		if (c == 0)
			continue;
		k = 0;
		for (i = 0; i < c; i++) {
			struct rte_mbuf *x = m[i];
			if (unlikely((special & MX_DESC_COPY) && x->nb_segs > 1)) {
				struct rte_mbuf *l = mx_linear(b->big_pool, x);
				if (l == NULL) {
					// Refused: drop this port's reference.
					rte_pktmbuf_free(x);
					b->tx_failed[p]++;
					continue;
				}
				x = l;
			}
			m[k++] = x;
		}
		if (k == 0)
			continue;
		s = mx_send(&b->txq[p], m, k);
		b->tx[p] += s;
		if (unlikely(s < k)) {
			b->tx_failed[p] += k - s;
			rte_pktmbuf_free_bulk(m + s, k - s);
		}
	}
	if (ndrop > 0)
		rte_pktmbuf_free_bulk(b->drops, ndrop);
}

// mx_apply_rx applies the worker's burst of n frames (mx_apply), then
// receives the next one (mx_rx, undescribed): a worker polling ports
// crosses from Go to C once per burst. b is an mx_burst.
uint16_t mx_apply_rx(uintptr_t b, uint16_t n, uint16_t port, uint16_t queue, uint16_t tag_) {
	mx_apply(b, n);
	return mx_rx((uintptr_t)&((struct mx_burst *)b)->in, port, queue, tag_, 0);
}

// mx_dispatch enqueues each core's group on its ring, frees what does not
// fit, counts it in f->lost, clears the counts and returns the number lost.
unsigned mx_dispatch(struct mx_fanout *f, uint16_t ncores, uint16_t nports) {
	unsigned lost = 0;
	uint16_t c, i;
	for (c = 0; c < ncores; c++) {
		struct rte_mbuf **m = f->groups[c];
		unsigned n = f->counts[c], q;
		if (n == 0)
			continue;
		f->counts[c] = 0;
		q = rte_ring_sp_enqueue_burst(f->rings[c], (void **)m, n, NULL);
		for (i = q; i < n; i++) {
			if (m[i]->port < nports)
				f->lost[(size_t)c * nports + m[i]->port]++;
		}
		if (q < n) {
			rte_pktmbuf_free_bulk(m + q, n - q);
			lost += n - q;
		}
	}
	return lost;
}

// mx_dispatch_keep enqueues each core's group on its ring as far as it
// fits and keeps the rest, in order, at the start of the group: the caller
// tries again (back-pressure) instead of losing it. Returns how many are
// left.
unsigned mx_dispatch_keep(struct mx_fanout *f, uint16_t ncores) {
	unsigned left = 0;
	uint16_t c;
	for (c = 0; c < ncores; c++) {
		struct rte_mbuf **m = f->groups[c];
		unsigned n = f->counts[c], q;
		if (n == 0)
			continue;
		q = rte_ring_sp_enqueue_burst(f->rings[c], (void **)m, n, NULL);
		if (q < n)
			memmove(m, m + q, (n - q) * sizeof(m[0]));
		f->counts[c] = n - q;
		left += n - q;
	}
	return left;
}

unsigned mx_ring_drain(struct rte_ring *r) {
	struct rte_mbuf *m[64];
	unsigned n, total = 0;
	while ((n = rte_ring_sc_dequeue_burst(r, (void **)m, 64, NULL)) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

void mx_free_bulk(struct rte_mbuf **mbufs, unsigned n) { rte_pktmbuf_free_bulk(mbufs, n); }

struct rte_mbuf *mx_alloc(struct rte_mempool *mp) { return rte_pktmbuf_alloc(mp); }

uint16_t mx_refcnt(struct rte_mbuf *m) { return rte_mbuf_refcnt_read(m); }
