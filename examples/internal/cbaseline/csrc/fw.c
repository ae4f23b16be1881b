/*
 * fwc: the C baseline firewall, written in the style of libVig (the
 * verified NF library of Vigor) so that the Go FW can be compared with what
 * a C NF of that family costs on the same frames.
 *
 * State, as in Vigor's firewall:
 *   - a map from 5-tuple to flow index: open addressing with linear probing,
 *     each slot holding the key's hash, a chain counter (how many keys whose
 *     probe passed through the slot: a lookup stops at a free slot whose
 *     counter is zero) and the flow index (-1 when the slot is free); the
 *     key itself lives once, in the key vector, at the flow index;
 *   - a vector of keys, indexed by flow index;
 *   - a double chain: allocated flow indexes on a doubly linked list in order
 *     of their last refresh (oldest first), free indexes on a free list, and
 *     a vector of timestamps; expiry pops the oldest while it is too old.
 * The hash is CRC32C over the key's two 64-bit words (SSE4.2).
 *
 * Semantics are examples/fwbasic's (the paper FW): expire first; non-IPv4 (or malformed) is
 * dropped; a LAN packet (port 0) refreshes or inserts its 5-tuple and goes
 * to the WAN (dropped when the table is full); a WAN packet passes to the
 * LAN when its reversed 5-tuple is a live flow, which it refreshes. A flow
 * expires once now - last refresh >= timeout.
 *
 * Usage: fwc [-v] capacity timeout_ns trace
 * The trace (written by package cbaseline) is read into memory first; only
 * the processing loop is timed, in process CPU time (getrusage). The result is
 * one line of key=value pairs; -v also prints each verdict (one line per
 * packet: -1 drop, else the output port) before it.
 */
#include <errno.h>
#include <nmmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	uint8_t proto;
	uint8_t pad[3];
} flow_id;

/* Map slot: kh is the key hash, chn the chain counter, idx the flow index
 * (-1: slot free). */
typedef struct {
	uint32_t kh;
	int32_t chn;
	int32_t idx;
} map_slot;

typedef struct {
	int32_t prev, next;
} dchain_cell;

struct fw {
	map_slot *slots;
	uint64_t slot_mask;
	flow_id *keys;
	/* cells[cap] is the list sentinel (next: oldest, prev: newest). */
	dchain_cell *cells;
	int64_t *times;
	int32_t free_head;
	int64_t cap, timeout, n;
};

static inline uint32_t flow_hash(const flow_id *k)
{
	uint64_t w[2];
	memcpy(w, k, sizeof w);
	uint64_t h = _mm_crc32_u64(0, w[0]);
	h = _mm_crc32_u64(h, w[1]);
	return (uint32_t)h;
}

static inline int flow_eq(const flow_id *a, const flow_id *b)
{
	return a->src_ip == b->src_ip && a->dst_ip == b->dst_ip && a->src_port == b->src_port &&
	       a->dst_port == b->dst_port && a->proto == b->proto;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p) {
		fprintf(stderr, "fwc: out of memory\n");
		exit(2);
	}
	return p;
}

static void fw_init(struct fw *f, int64_t cap, int64_t timeout)
{
	f->cap = cap;
	f->timeout = timeout;
	f->n = 0;
	/* Twice as many map slots as flows, as the Go Table has: the same load
	 * factor, so the same probe lengths. */
	int64_t nslots = 2 * cap;
	f->slots = xcalloc(nslots, sizeof *f->slots);
	for (int64_t i = 0; i < nslots; i++)
		f->slots[i].idx = -1;
	f->slot_mask = nslots - 1;
	f->keys = xcalloc(cap, sizeof *f->keys);
	f->cells = xcalloc(cap + 1, sizeof *f->cells);
	f->times = xcalloc(cap, sizeof *f->times);
	for (int64_t i = 0; i < cap; i++)
		f->cells[i].next = i + 1 < cap ? (int32_t)(i + 1) : -1;
	f->free_head = 0;
	f->cells[cap].prev = f->cells[cap].next = (int32_t)cap;
}

/* map_get returns k's flow index or -1. */
static inline int32_t map_get(struct fw *f, const flow_id *k, uint32_t h)
{
	uint64_t i = h & f->slot_mask;
	for (uint64_t n = 0; n <= f->slot_mask; n++, i = (i + 1) & f->slot_mask) {
		map_slot *s = &f->slots[i];
		if (s->idx >= 0 && s->kh == h && flow_eq(&f->keys[s->idx], k))
			return s->idx;
		if (s->chn == 0)
			return -1;
	}
	return -1;
}

static inline void map_put(struct fw *f, uint32_t h, int32_t idx)
{
	uint64_t i = h & f->slot_mask;
	for (;;) {
		map_slot *s = &f->slots[i];
		if (s->idx < 0) {
			s->kh = h;
			s->idx = idx;
			return;
		}
		s->chn++;
		i = (i + 1) & f->slot_mask;
	}
}

static inline void map_erase(struct fw *f, uint32_t h, int32_t idx)
{
	uint64_t i = h & f->slot_mask;
	for (;;) {
		map_slot *s = &f->slots[i];
		if (s->idx == idx) {
			s->idx = -1;
			return;
		}
		s->chn--;
		i = (i + 1) & f->slot_mask;
	}
}

static inline void chain_link_tail(struct fw *f, int32_t i)
{
	int32_t sent = (int32_t)f->cap;
	int32_t last = f->cells[sent].prev;
	f->cells[i].prev = last;
	f->cells[i].next = sent;
	f->cells[last].next = i;
	f->cells[sent].prev = i;
}

static inline void chain_unlink(struct fw *f, int32_t i)
{
	int32_t p = f->cells[i].prev, n = f->cells[i].next;
	f->cells[p].next = n;
	f->cells[n].prev = p;
}

static inline int32_t chain_allocate(struct fw *f, int64_t now)
{
	int32_t i = f->free_head;
	if (i < 0)
		return -1;
	f->free_head = f->cells[i].next;
	f->times[i] = now;
	chain_link_tail(f, i);
	f->n++;
	return i;
}

static inline void chain_rejuvenate(struct fw *f, int32_t i, int64_t now)
{
	chain_unlink(f, i);
	f->times[i] = now;
	chain_link_tail(f, i);
}

static inline void fw_expire(struct fw *f, int64_t now)
{
	if (f->timeout <= 0)
		return;
	int32_t sent = (int32_t)f->cap;
	for (;;) {
		int32_t i = f->cells[sent].next;
		if (i == sent || now - f->times[i] < f->timeout)
			return;
		chain_unlink(f, i);
		f->cells[i].next = f->free_head;
		f->free_head = i;
		f->n--;
		map_erase(f, flow_hash(&f->keys[i]), i);
	}
}

/* parse extracts the 5-tuple of an IPv4 frame as maestro.Packet does: it
 * returns 0 for a frame the FW drops (not IPv4 or malformed), 1 otherwise,
 * with ports set only for an unfragmented TCP or UDP packet with a complete
 * header. */
static inline int parse(const uint8_t *d, uint32_t len, flow_id *k)
{
	memset(k, 0, sizeof *k);
	if (len < 14)
		return 0;
	uint32_t off = 14;
	uint16_t et = (uint16_t)(d[12] << 8 | d[13]);
	if (et == 0x8100) {
		if (len < 18)
			return 0;
		et = (uint16_t)(d[16] << 8 | d[17]);
		off = 18;
	}
	if (et != 0x0800)
		return 0;
	const uint8_t *ip = d + off;
	uint32_t iplen = len - off;
	if (iplen < 20 || ip[0] >> 4 != 4)
		return 0;
	uint32_t ihl = (uint32_t)(ip[0] & 0x0f) << 2;
	if (ihl < 20 || iplen < ihl)
		return 0;
	uint32_t total = (uint32_t)ip[2] << 8 | ip[3];
	if (total < ihl || total > iplen)
		return 0;
	k->proto = ip[9];
	k->src_ip = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
	k->dst_ip = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
	uint16_t frag = (uint16_t)(ip[6] << 8 | ip[7]);
	if (frag & 0x3fff)
		return 1;
	const uint8_t *seg = ip + ihl;
	uint32_t seglen = total - ihl;
	if (k->proto == 6) {
		if (seglen < 20)
			return 1;
		uint32_t doff = (uint32_t)(seg[12] >> 4) << 2;
		if (doff < 20 || doff > seglen)
			return 1;
	} else if (k->proto == 17) {
		if (seglen < 8)
			return 1;
	} else {
		return 1;
	}
	k->src_port = (uint16_t)(seg[0] << 8 | seg[1]);
	k->dst_port = (uint16_t)(seg[2] << 8 | seg[3]);
	return 1;
}

/* process returns the verdict: -1 drop, else the output port. */
static inline int process(struct fw *f, const uint8_t *d, uint32_t len, int port, int64_t now)
{
	fw_expire(f, now);
	flow_id k;
	if (!parse(d, len, &k))
		return -1;
	if (port == 0) {
		uint32_t h = flow_hash(&k);
		int32_t i = map_get(f, &k, h);
		if (i >= 0) {
			chain_rejuvenate(f, i, now);
			return 1;
		}
		i = chain_allocate(f, now);
		if (i < 0)
			return -1;
		f->keys[i] = k;
		map_put(f, h, i);
		return 1;
	}
	flow_id r = {.src_ip = k.dst_ip, .dst_ip = k.src_ip, .src_port = k.dst_port, .dst_port = k.src_port, .proto = k.proto};
	uint32_t h = flow_hash(&r);
	int32_t i = map_get(f, &r, h);
	if (i < 0)
		return -1;
	chain_rejuvenate(f, i, now);
	return 0;
}

struct pkt {
	const uint8_t *data;
	uint32_t len;
	int port;
	int64_t time;
};

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "fwc: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fprintf(stderr, "fwc: %s: short read\n", path);
		exit(2);
	}
	fclose(fp);
	*size = (size_t)n;
	return buf;
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* cpu_ns returns the process's user and system CPU time, from getrusage as
 * the Go workers read it. */
static int64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* peak_rss_kb returns VmHWM, the peak resident set of this process's own
 * memory (ru_maxrss would include the parent's at the time of the fork). */
static long peak_rss_kb(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	if (!fp)
		return -1;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

int main(int argc, char **argv)
{
	int verbose = 0;
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: fwc [-v] capacity timeout_ns trace\n");
		return 2;
	}
	int64_t cap = atoll(argv[1]), timeout = atoll(argv[2]);
	if (cap < 1 || cap > (1 << 30) || (cap & (cap - 1)) != 0) {
		fprintf(stderr, "fwc: capacity must be a power of two in 1..2^30\n");
		return 2;
	}
	size_t size;
	uint8_t *buf = read_file(argv[3], &size);
	/* Trace: "MFWT", u32 count, then per packet u16 len, u8 port, u8 0,
	 * i64 time, the frame (little endian). */
	if (size < 8 || memcmp(buf, "MFWT", 4) != 0) {
		fprintf(stderr, "fwc: %s: not a trace\n", argv[3]);
		return 2;
	}
	uint32_t count = (uint32_t)get_le(buf + 4, 4);
	struct pkt *pkts = xcalloc(count ? count : 1, sizeof *pkts);
	size_t off = 8;
	for (uint32_t i = 0; i < count; i++) {
		if (size - off < 12) {
			fprintf(stderr, "fwc: %s: truncated\n", argv[3]);
			return 2;
		}
		pkts[i].len = (uint32_t)get_le(buf + off, 2);
		pkts[i].port = buf[off + 2];
		pkts[i].time = (int64_t)get_le(buf + off + 4, 8);
		off += 12;
		if (size - off < pkts[i].len) {
			fprintf(stderr, "fwc: %s: truncated\n", argv[3]);
			return 2;
		}
		pkts[i].data = buf + off;
		off += pkts[i].len;
	}
	struct fw f;
	fw_init(&f, cap, timeout);
	int8_t *verdicts = verbose ? xcalloc(count ? count : 1, 1) : NULL;
	uint64_t passed = 0;
	int64_t t0 = cpu_ns();
	for (uint32_t i = 0; i < count; i++) {
		int v = process(&f, pkts[i].data, pkts[i].len, pkts[i].port, pkts[i].time);
		passed += v >= 0;
		if (verdicts)
			verdicts[i] = (int8_t)v;
	}
	int64_t t1 = cpu_ns();
	if (verdicts)
		for (uint32_t i = 0; i < count; i++)
			printf("%d\n", verdicts[i]);
	/* Bytes of the flow state per flow of capacity: map slots, keys,
	 * chain cells and timestamps. */
	double bytes = (double)(2 * cap * sizeof(map_slot) + cap * sizeof(flow_id) +
				(cap + 1) * sizeof(dchain_cell) + cap * sizeof(int64_t)) / (double)cap;
	printf("packets=%u passed=%llu cpu_ns=%lld flows=%lld state_bytes_per_flow=%.2f peak_rss_kb=%ld\n", count,
	       (unsigned long long)passed, (long long)(t1 - t0), (long long)f.n, bytes, peak_rss_kb());
	return 0;
}
