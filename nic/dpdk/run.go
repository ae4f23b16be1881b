//go:build dpdk

package dpdk

/*
#include <stdlib.h>
#include <rte_malloc.h>
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/bits"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/nfmaestro/maestro/nic"
)

// Compile-time check that the C burst size is nic.BurstSize.
var _ [C.MX_BURST - nic.BurstSize]struct{}
var _ [nic.BurstSize - C.MX_BURST]struct{}

// MaxPorts and MaxCores bound a run's ports and workers.
const (
	MaxPorts = C.MX_MAX_PORTS
	MaxCores = C.MX_MAX_CORES
)

// port is one port of a run.
type port struct {
	idx  int
	id   uint16
	info C.struct_mx_port_info
	nrxq int
	ntxq int
	// locks holds one spinlock per TX queue when workers share queues.
	locks *C.rte_spinlock_t
}

// run is the state of one Run call.
type run struct {
	cfg  Config
	proc nic.Processor
	// raw says proc reads no header field: the workers load the frames
	// without parsing them (nic.HeaderReader).
	raw    bool
	cores  int
	mode   Mode
	notes  []string
	ports  []*port
	pool   *C.struct_rte_mempool
	big    *C.struct_rte_mempool // see bigPools
	rings  []*C.struct_rte_ring
	cpus   []int
	start  time.Time
	stats  []*workerStats // one per worker
	poller *workerStats   // software dispatcher's idle clock
	// tsUnit is the length in nanoseconds of one unit of the ports' RX
	// timestamps, or 0 when Packet.Time is the wall clock.
	tsUnit int64
	// replay is set when every port replays a capture file: software
	// dispatch then waits for room in a full ring instead of dropping.
	replay bool
	// merge is set when the ports are also read in capture-time order
	// (replay with RX timestamps).
	merge bool
}

// runSeq names each run's rings uniquely: DPDK names live as long as the
// process.
var runSeq atomic.Int64

// pools are created once and reused, because a stopped port's queues still
// refer to the pool they were set up with.
var pools []*C.struct_rte_mempool

// bigPools hold the contiguous MaxFrame-byte mbufs that chained frames are
// copied into before they are sent; created once and reused, like pools.
var bigPools []*C.struct_rte_mempool

// usedPorts are closed by Cleanup.
var usedPorts = map[uint16]bool{}

// runMu serialises Run and Cleanup: ports, pools and the EAL are per
// process.
var runMu sync.Mutex

// Run sets up cfg's ports for proc, runs one worker per core until ctx is
// done or the input has been idle for cfg.IdleTimeout, then stops the ports
// and returns the final statistics. report, when non-nil, is called every
// cfg.ReportEvery and once at the end with the final statistics. Run starts
// the EAL if needed (see Config.EAL). Runs in one process must not overlap.
func Run(ctx context.Context, cfg Config, proc nic.Processor, report func(Stats)) (Result, error) {
	if !runMu.TryLock() {
		return Result{}, errors.New("dpdk: another Run is in progress; ports and pools are per process")
	}
	defer runMu.Unlock()
	r := &run{cfg: cfg, proc: proc, raw: !nic.ReadsHeaders(proc)}
	if r.cfg.Logf == nil {
		r.cfg.Logf = log.Printf
	}
	if err := r.setup(); err != nil {
		return Result{}, err
	}
	defer r.teardownRings()
	err := r.loop(ctx, report)
	// The workers drained the rings before stopping; freeing them first
	// makes the final pool count cover every mbuf.
	r.teardownRings()
	if err != nil {
		return Result{Mode: r.mode, Notes: r.notes}, err
	}
	final := r.snapshot()
	if report != nil {
		report(final)
	}
	return Result{Mode: r.mode, Notes: r.notes, Timestamps: r.tsUnit != 0, Stats: final}, nil
}

func (r *run) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	r.notes = append(r.notes, s)
	r.cfg.Logf("dpdk: %s", s)
}

func (r *run) setup() error {
	if r.proc == nil {
		return errors.New("dpdk: nil Processor")
	}
	if err := checkRSS(r.cfg.RSS); err != nil {
		return err
	}
	r.cores = r.cfg.Cores
	if r.cores == 0 {
		r.cores = r.proc.Cores()
	}
	if r.cores < 1 || r.cores > r.proc.Cores() || r.cores > MaxCores {
		return fmt.Errorf("dpdk: %d cores requested; the processor is built for %d (at most %d)", r.cores, r.proc.Cores(), MaxCores)
	}
	if err := r.ensureEAL(); err != nil {
		return err
	}
	eal.Lock()
	r.cpus = eal.cpus
	eal.Unlock()
	if len(r.cfg.CPUs) > 0 {
		r.cpus = r.cfg.CPUs
	}
	if len(r.cpus) == 0 {
		r.cpus = []int{0}
	}

	var ids [MaxPorts]C.uint16_t
	avail := int(C.mx_first_ports(&ids[0], MaxPorts))
	n := r.cfg.Ports
	if n == 0 {
		n = avail
	}
	if n == 0 || n > avail {
		return fmt.Errorf("dpdk: %d ports wanted, %d available (at most %d used); add one --vdev per port, e.g. --vdev=net_null0", n, avail, MaxPorts)
	}
	for i := range n {
		p := &port{idx: i, id: uint16(ids[i])}
		if rc := C.mx_port_info(ids[i], &p.info); rc != 0 {
			return rteErr(fmt.Sprintf("port %d: rte_eth_dev_info_get", p.id), rc)
		}
		r.ports = append(r.ports, p)
	}

	r.mode = ModeSingle
	if r.cores > 1 {
		r.mode = ModeRSS
		if why := r.rssUnsupported(); why != "" {
			if r.cfg.Dispatch == nil {
				return fmt.Errorf("dpdk: %s, and Config.Dispatch is nil: software dispatch needs it", why)
			}
			r.note("software dispatch: %s; one poller receives on queue 0 and Config.Dispatch picks the core", why)
			r.mode = ModeSoftware
		}
	}
	for _, p := range r.ports {
		if o, ok := fileRefused[C.GoString(&p.info.name[0])]; ok {
			recs := fmt.Sprint(o.records[:min(len(o.records), 5)])
			if len(o.records) > 5 {
				recs = recs[:len(recs)-1] + " ...]"
			}
			r.note("port %d: %d record(s) of %s above %d bytes, which net_pcap cannot read (records %s): left out and counted as refused",
				p.idx, len(o.records), o.file, MaxFrame, recs)
		}
	}
	r.chooseClock()
	r.chooseReplay()
	if err := r.makePool(); err != nil {
		return err
	}
	err := r.setupPorts()
	if r.mode == ModeRSS && errors.Is(err, errRSS) && r.cfg.Dispatch != nil {
		r.note("software dispatch: %v; one poller receives on queue 0 and Config.Dispatch picks the core", err)
		r.mode = ModeSoftware
		err = r.setupPorts()
	}
	if err != nil {
		r.stopPorts()
		return err
	}
	if err := r.enableTimestamps(); err != nil {
		r.stopPorts()
		return err
	}
	if r.mode == ModeSoftware {
		return r.makeRings()
	}
	return nil
}

// timestampUnits lists the drivers whose RX timestamps Run uses, with the
// length of their unit in nanoseconds. DPDK leaves the unit and the epoch
// of the timestamp field to each driver (a NIC's is usually its own clock's
// ticks), so only drivers known to stamp Unix time qualify: net_pcap stamps
// each packet with its pcap record's time in microseconds, which makes a
// replayed trace see the times it was captured with, run after run.
var timestampUnits = map[string]int64{"net_pcap": 1000}

// chooseClock decides where Packet.Time comes from and notes it: the
// ports' RX timestamps when every port can give Unix time, or else the
// wall clock at each burst. It is all or nothing, since an NF comparing
// the times of packets from two ports needs one clock for both.
func (r *run) chooseClock() {
	why := ""
	if r.cfg.WallClock {
		why = "requested by Config.WallClock"
	}
	var unit int64
	for _, p := range r.ports {
		if why != "" {
			break
		}
		drv, name := C.GoString(&p.info.driver[0]), C.GoString(&p.info.name[0])
		u := timestampUnits[drv]
		switch {
		case u == 0:
			why = fmt.Sprintf("port %d (%s, driver %s) has no RX timestamps in Unix time", p.idx, name, drv)
		case unit != 0 && u != unit:
			why = "the ports' timestamps have different units"
		}
		unit = u
	}
	if why != "" {
		r.note("packet time: the wall clock at each burst (%s)", why)
		return
	}
	r.tsUnit = unit
	r.note("packet time: the ports' RX timestamps (rte_mbuf timestamp dynamic field; for net_pcap, each pcap record's time)")
}

// chooseReplay decides whether the run replays capture files: every port
// is a net_pcap vdev of the EAL command line with an rx_pcap file. A file
// can wait, unlike a live port, so software dispatch then applies
// back-pressure instead of dropping; and with RX timestamps (the pcap
// records' times) the ports are merged in capture-time order, as the
// software backend's PcapReader does, so that a reply a few microseconds
// behind its request on another port is never processed first.
func (r *run) chooseReplay() {
	eal.Lock()
	vdevs := Vdevs(eal.args)
	eal.Unlock()
	files := map[string]bool{}
	for _, v := range vdevs {
		if _, ok := v.Arg("rx_pcap"); ok {
			files[v.Name] = true
		}
	}
	for _, p := range r.ports {
		if drv := C.GoString(&p.info.driver[0]); drv != "net_pcap" || !files[C.GoString(&p.info.name[0])] {
			return
		}
	}
	r.replay = true
	switch {
	case r.tsUnit == 0:
		r.note("replay of capture files: software dispatch waits instead of dropping; ports read in turns (no RX timestamps to merge them by)")
	case r.mode == ModeRSS:
		r.note("replay of capture files on RSS queues: ports read in turns")
	default:
		r.merge = true
		r.note("replay of capture files: ports merged by capture time; software dispatch waits instead of dropping")
	}
}

// enableTimestamps switches the C side's timestamp reading on or off for
// this run, after the ports have been configured with the offload.
func (r *run) enableTimestamps() error {
	on := C.int(0)
	if r.tsUnit != 0 {
		on = 1
	}
	if rc := C.mx_rx_timestamps(on); rc < 0 {
		return rteErr("registering the RX timestamp field", rc)
	}
	return nil
}

// fileRefused lists, by vdev name, the input records left out because
// net_pcap cannot read them (see dropOversize); set when the EAL starts.
var fileRefused map[string]oversize

func (r *run) ensureEAL() error {
	if !Initialized() {
		if err := CheckVdevFiles(r.cfg.EAL); err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "maestro-pcap-*")
		if err != nil {
			return fmt.Errorf("dpdk: %w", err)
		}
		args, found, err := dropOversize(r.cfg.EAL, dir)
		if err != nil {
			os.RemoveAll(dir)
			return err
		}
		if len(found) == 0 {
			os.RemoveAll(dir)
		}
		if err := Init(args); err != nil {
			os.RemoveAll(dir)
			return err
		}
		eal.Lock()
		eal.args = slices.Clone(r.cfg.EAL) // what later Runs compare with
		if len(found) > 0 {
			eal.cleanup = append(eal.cleanup, func() { os.RemoveAll(dir) })
		}
		eal.Unlock()
		fileRefused = found
		return nil
	}
	eal.Lock()
	defer eal.Unlock()
	if len(r.cfg.EAL) > 0 && !slices.Equal(r.cfg.EAL, eal.args) {
		return fmt.Errorf("dpdk: EAL already running with %q; cannot restart it with %q", eal.args, r.cfg.EAL)
	}
	return nil
}

// rssConf returns port i's RSS configuration with defaults filled in: its
// own entry, else the entry marked Default (frames on ports the NF does not
// declare must be hashed as the plan's default port says, not by the
// device's own key).
func (r *run) rssConf(i int) RSS {
	c := defaultRSS(r.cfg.RSS)
	if i < len(r.cfg.RSS) && !r.cfg.RSS[i].isZero() {
		c = r.cfg.RSS[i]
	}
	if c.Hash == 0 {
		c.Hash = DefaultHash
	}
	return c
}

// rssUnsupported says why the devices cannot spread traffic over r.cores
// queues by RSS, or returns "".
func (r *run) rssUnsupported() string {
	if r.cfg.Software {
		return "requested by Config.Software"
	}
	for _, p := range r.ports {
		c := r.rssConf(p.idx)
		name := C.GoString(&p.info.name[0])
		switch {
		case int(p.info.max_rx_queues) < r.cores:
			return fmt.Sprintf("port %d (%s) has %d RX queues for %d cores", p.idx, name, p.info.max_rx_queues, r.cores)
		case uint64(p.info.flow_type_rss_offloads)&c.Hash&^HashOnly == 0:
			return fmt.Sprintf("port %d (%s) cannot hash the requested packet types (offers rss_hf %#x)", p.idx, name, uint64(p.info.flow_type_rss_offloads))
		case c.Hash&HashOnly&^uint64(p.info.flow_type_rss_offloads) != 0:
			// The keys were solved for the narrowed input; hashing more
			// fields would break the sharding, not just the spread.
			return fmt.Sprintf("port %d (%s) cannot narrow the hash to the fields the plan selects (rss_hf %#x requested, device offers %#x)",
				p.idx, name, c.Hash&HashOnly, uint64(p.info.flow_type_rss_offloads)&HashOnly)
		// Some drivers (net_null) leave hash_key_size 0; they judge the key
		// when the port is configured, and a refusal falls back then.
		case c.Key != nil && p.info.hash_key_size != 0 && len(c.Key) != int(p.info.hash_key_size):
			return fmt.Sprintf("port %d (%s) takes a %d-byte RSS key, not %d", p.idx, name, p.info.hash_key_size, len(c.Key))
		case c.RETA != nil && p.info.reta_size == 0:
			return fmt.Sprintf("port %d (%s) has no redirection table", p.idx, name)
		case c.RETA != nil && (len(c.RETA) > int(p.info.reta_size) || int(p.info.reta_size)%len(c.RETA) != 0):
			return fmt.Sprintf("port %d (%s) has a %d-entry redirection table; %d entries do not fit", p.idx, name, p.info.reta_size, len(c.RETA))
		}
	}
	return ""
}

// errRSS marks a device refusing an RSS set-up that its info promised.
var errRSS = errors.New("RSS set-up refused")

func (r *run) makePool() error {
	rxd, txd := r.descs()
	need := 0
	for range r.ports {
		need += r.cores * (rxd + txd)
	}
	need += r.cores * (384 + nic.BurstSize*(len(r.ports)+2))
	if r.mode == ModeSoftware {
		need += r.cores*r.ringSize() + nic.BurstSize
	}
	need += 1024
	if r.cfg.PoolSize > 0 {
		need = r.cfg.PoolSize
	}
	if err := r.makeBigPool(); err != nil {
		return err
	}
	for _, p := range pools {
		if int(C.mx_pool_size(p)) >= need {
			r.pool = p
			return nil
		}
	}
	// Mempools are most memory-efficient at 2^k - 1 elements.
	size := 1<<bits.Len(uint(need)) - 1
	name := C.CString(fmt.Sprintf("maestro_pool%d", len(pools)))
	defer C.free(unsafe.Pointer(name))
	p := C.mx_pool_create(name, C.uint(size), 256, C.int(r.ports[0].info.socket))
	if p == nil {
		return fmt.Errorf("dpdk: creating a pool of %d mbufs: %s; %s", size, C.GoString(C.rte_strerror(C.mx_errno())),
			"hint: give the EAL more memory (-m) or set Config.PoolSize/RXDesc/TXDesc lower")
	}
	pools = append(pools, p)
	r.pool = p
	return nil
}

// makeBigPool finds or creates a pool of contiguous MaxFrame-byte mbufs,
// two bursts' worth per worker: enough for net_pcap, which sends
// synchronously; a NIC that holds more in its TX ring makes the excess
// count as TXFailed rather than be sent cut or chained.
func (r *run) makeBigPool() error {
	need := 2 * nic.BurstSize * r.cores
	for _, p := range bigPools {
		if int(C.mx_pool_size(p)) >= need {
			r.big = p
			return nil
		}
	}
	name := C.CString(fmt.Sprintf("maestro_big%d", len(bigPools)))
	defer C.free(unsafe.Pointer(name))
	p := C.mx_big_pool_create(name, C.uint(need), C.int(r.ports[0].info.socket))
	if p == nil {
		return fmt.Errorf("dpdk: creating a pool of %d mbufs of %d bytes: %s; %s", need, MaxFrame, C.GoString(C.rte_strerror(C.mx_errno())),
			"hint: give the EAL more memory (-m)")
	}
	bigPools = append(bigPools, p)
	r.big = p
	return nil
}

func (r *run) descs() (int, int) {
	rxd, txd := r.cfg.RXDesc, r.cfg.TXDesc
	if rxd <= 0 {
		rxd = 1024
	}
	if txd <= 0 {
		txd = 1024
	}
	return rxd, txd
}

func (r *run) ringSize() int {
	n := r.cfg.RingSize
	if n <= 0 {
		n = 4096
	}
	return 1 << bits.Len(uint(n-1))
}

func (r *run) setupPorts() error {
	rxd, txd := r.descs()
	for _, p := range r.ports {
		p.nrxq = 1
		if r.mode == ModeRSS {
			p.nrxq = r.cores
		}
		p.ntxq = min(r.cores, max(int(p.info.max_tx_queues), 1))
		var hf uint64
		var key []byte
		if r.mode == ModeRSS {
			c := r.rssConf(p.idx)
			hf = c.Hash & uint64(p.info.flow_type_rss_offloads)
			key = c.Key
			if hf != c.Hash {
				// The RSS solver assumed the hash covers every requested
				// packet type; the others reach queues the device picks.
				r.note("port %d (%s) hashes packet types %#x of the %#x requested", p.idx, C.GoString(&p.info.name[0]), hf, c.Hash)
			}
		}
		var ckey *C.uint8_t
		if len(key) > 0 {
			ckey = (*C.uint8_t)(C.CBytes(key))
		}
		// Ask for the timestamp offload where the device lists it; net_pcap
		// lists no offload but stamps every packet regardless.
		var offloads C.uint64_t
		if r.tsUnit != 0 {
			offloads = C.uint64_t(p.info.rx_offload_capa & C.RTE_ETH_RX_OFFLOAD_TIMESTAMP)
		}
		usedPorts[p.id] = true
		rc := C.mx_port_setup(C.uint16_t(p.id), C.uint16_t(p.nrxq), C.uint16_t(p.ntxq), C.uint16_t(rxd), C.uint16_t(txd),
			r.pool, C.uint64_t(hf), ckey, C.uint8_t(len(key)), offloads)
		C.free(unsafe.Pointer(ckey))
		if rc < 0 {
			err := rteErr(fmt.Sprintf("port %d (%s): set-up with %d RX and %d TX queues", p.idx, C.GoString(&p.info.name[0]), p.nrxq, p.ntxq), rc)
			if hf != 0 {
				return fmt.Errorf("%w: %w", errRSS, err)
			}
			return err
		}
		if r.mode == ModeRSS && p.info.reta_size > 0 {
			if err := r.applyRETA(p); err != nil {
				return err
			}
		}
		if err := checkFieldSelection(p, hf); err != nil {
			return err
		}
		if p.ntxq < r.cores && p.locks == nil {
			p.locks = (*C.rte_spinlock_t)(C.rte_zmalloc(nil, C.size_t(unsafe.Sizeof(C.rte_spinlock_t{}))*C.size_t(p.ntxq), 64))
			if p.locks == nil {
				return errors.New("dpdk: out of DPDK memory for TX locks")
			}
		}
	}
	return nil
}

// checkFieldSelection reads back the hash configuration of a port set up
// with field selection flags: a driver that took rss_hf but dropped a flag
// would hash more fields than the solver's keys assume. Such a port is
// refused (errRSS), so that Run falls back to software dispatch.
func checkFieldSelection(p *port, hf uint64) error {
	if hf&HashOnly == 0 {
		return nil
	}
	var got C.uint64_t
	name := C.GoString(&p.info.name[0])
	if rc := C.mx_rss_hf_get(C.uint16_t(p.id), &got); rc < 0 {
		return fmt.Errorf("%w: %w", errRSS, rteErr(fmt.Sprintf("port %d (%s): reading back the RSS field selection", p.idx, name), rc))
	}
	if missing := hf & HashOnly &^ uint64(got); missing != 0 {
		return fmt.Errorf("%w: port %d (%s) dropped the RSS field selection %#x (hashes rss_hf %#x)", errRSS, p.idx, name, missing, uint64(got))
	}
	return nil
}

func (r *run) applyRETA(p *port) error {
	size := int(p.info.reta_size)
	src := r.rssConf(p.idx).RETA
	reta := make([]C.uint16_t, size)
	for i := range reta {
		q := i % r.cores
		if src != nil {
			q = int(src[i%len(src)])
		}
		if q >= r.cores {
			return fmt.Errorf("dpdk: port %d: RETA entry %d names core %d of %d", p.idx, i%len(src), q, r.cores)
		}
		reta[i] = C.uint16_t(q)
	}
	if rc := C.mx_reta_update(C.uint16_t(p.id), &reta[0], C.uint16_t(size)); rc < 0 {
		return fmt.Errorf("%w: %w", errRSS, rteErr(fmt.Sprintf("port %d: rte_eth_dev_rss_reta_update", p.idx), rc))
	}
	return nil
}

func (r *run) stopPorts() {
	for _, p := range r.ports {
		C.rte_eth_dev_stop(C.uint16_t(p.id))
	}
}

func (r *run) makeRings() error {
	seq := runSeq.Add(1)
	for c := range r.cores {
		name := C.CString(fmt.Sprintf("mx%d_%d", seq, c))
		ring := C.rte_ring_create(name, C.uint(r.ringSize()), C.int(r.ports[0].info.socket), C.RING_F_SP_ENQ|C.RING_F_SC_DEQ)
		C.free(unsafe.Pointer(name))
		if ring == nil {
			r.stopPorts()
			r.teardownRings()
			return fmt.Errorf("dpdk: rte_ring_create: %s", C.GoString(C.rte_strerror(C.mx_errno())))
		}
		r.rings = append(r.rings, ring)
	}
	return nil
}

// teardownRings frees whatever is left in the rings (nothing after a clean
// stop) and the rings.
func (r *run) teardownRings() {
	for _, ring := range r.rings {
		C.mx_ring_drain(ring)
		C.rte_ring_free(ring)
	}
	r.rings = nil
}

// loop runs the workers until the run should end, then stops them in order
// (dispatcher, then workers once their rings are empty) and stops the ports.
func (r *run) loop(ctx context.Context, report func(Stats)) error {
	var stopPoll, stopWork atomic.Bool
	var workers, poller sync.WaitGroup
	r.start = time.Now()
	r.stats = make([]*workerStats, r.cores)
	for c := range r.cores {
		r.stats[c] = newWorkerStats(len(r.ports))
	}
	ready := make(chan error, r.cores+1)
	for c := range r.cores {
		w := r.newWorker(c, &stopWork)
		workers.Add(1)
		go func() {
			defer workers.Done()
			w.run(ready)
		}()
	}
	started := r.cores
	if r.mode == ModeSoftware {
		r.poller = newWorkerStats(len(r.ports))
		d := r.newDispatcher(&stopPoll)
		poller.Add(1)
		started++
		go func() {
			defer poller.Done()
			d.run(ready)
		}()
	}
	var startErr error
	for range started {
		if err := <-ready; err != nil && startErr == nil {
			startErr = err
		}
	}

	var tick <-chan time.Time
	if r.cfg.ReportEvery > 0 && startErr == nil {
		t := time.NewTicker(r.cfg.ReportEvery)
		defer t.Stop()
		tick = t.C
	}
	var idle <-chan time.Time
	if r.cfg.IdleTimeout > 0 && startErr == nil {
		t := time.NewTicker(max(r.cfg.IdleTimeout/4, time.Millisecond))
		defer t.Stop()
		idle = t.C
	}
wait:
	for startErr == nil {
		select {
		case <-ctx.Done():
			break wait
		case <-tick:
			if report != nil {
				report(r.snapshot())
			}
		case now := <-idle:
			if last := r.lastRx(); last != 0 && now.UnixNano()-last > int64(r.cfg.IdleTimeout) {
				break wait
			}
		}
	}
	stopPoll.Store(true)
	poller.Wait()
	stopWork.Store(true)
	workers.Wait()
	r.stopPorts()
	return startErr
}

// lastRx returns the latest time any worker or the dispatcher received a
// packet, or 0.
func (r *run) lastRx() int64 {
	var last int64
	for _, s := range r.stats {
		last = max(last, s.lastRx.Load())
	}
	if r.poller != nil {
		last = max(last, r.poller.lastRx.Load())
	}
	return last
}

// snapshot reads every counter. Workers update them while it runs, so a
// periodic snapshot is only approximately consistent across counters.
func (r *run) snapshot() Stats {
	s := Stats{Elapsed: time.Since(r.start)}
	for _, p := range r.ports {
		ps := PortStats{Port: portOf(p.idx), ID: p.id, Name: C.GoString(&p.info.name[0]), Queues: make([]nic.Stats, r.cores)}
		for c, w := range r.stats {
			q := &w.ports[p.idx]
			qs := nic.Stats{RX: q.rx.Load(), TX: q.tx.Load(), Dropped: q.dropped.Load(), Missed: q.missed.Load()}
			ps.Queues[c] = qs
			ps.Add(qs)
			ps.TXFailed += q.txFailed.Load()
			ps.Refused += q.refused.Load()
		}
		var d C.struct_mx_eth_stats
		if C.mx_eth_stats(C.uint16_t(p.id), &d) == 0 {
			ps.Device = DeviceStats{
				IPackets: uint64(d.ipackets), OPackets: uint64(d.opackets), IMissed: uint64(d.imissed),
				IErrors: uint64(d.ierrors), OErrors: uint64(d.oerrors), RXNoMbuf: uint64(d.rx_nombuf),
			}
			ps.Missed += ps.Device.IMissed + ps.Device.RXNoMbuf
		}
		if o, ok := fileRefused[ps.Name]; ok {
			ps.Refused += uint64(len(o.records))
		}
		ps.Missed += ps.Refused
		s.Total.Add(ps.Stats)
		s.Ports = append(s.Ports, ps)
	}
	s.Pool = poolStats(r.pool)
	return s
}

func poolStats(p *C.struct_rte_mempool) PoolStats {
	size, avail := int(C.mx_pool_size(p)), int(C.mx_pool_avail(p))
	return PoolStats{Size: size, Avail: avail, InUse: size - avail}
}

// Pools returns the accounting of every mbuf pool Run created (pools are
// kept for later runs). With every port stopped, InUse is 0 unless an mbuf
// leaked.
func Pools() []PoolStats {
	var out []PoolStats
	for _, p := range append(slices.Clone(pools), bigPools...) {
		out = append(out, poolStats(p))
	}
	return out
}

func init() {
	// Cleanup closes the ports runs used; registered here so that eal.go
	// stays independent of the port code.
	eal.cleanup = append(eal.cleanup, func() {
		for id := range usedPorts {
			C.rte_eth_dev_stop(C.uint16_t(id))
			C.rte_eth_dev_close(C.uint16_t(id))
		}
	})
}
