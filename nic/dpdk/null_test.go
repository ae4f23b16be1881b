//go:build dpdk

package dpdk

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// nullEAL starts the EAL with n net_null ports: endless 64-byte packets on
// every RX queue, and TX queues that free what they are given. net_null
// accepts RSS configuration (40-byte key, 128-entry RETA) without hashing.
func nullEAL(n int) []string {
	args := baseEAL()
	for i := range n {
		args = append(args, "--vdev=net_null"+string(rune('0'+i)))
	}
	return args
}

// mixProc gives verdicts in a fixed rotation (forward to each port, flood,
// drop, forward to a port that does not exist) and counts what it decided
// per core, so the test can predict every counter. It cancels the run once
// every core has seen limit packets.
type mixProc struct {
	cores, ports int
	limit        uint64
	cancel       context.CancelFunc
	per          []mixCounts
	done         atomic.Int32
	// raw makes the processor say it reads no header field (it reads
	// only InPort and Time), so the workers load the frames unparsed.
	raw bool
}

type mixCounts struct {
	seen, sent, dropped [MaxPorts]uint64 // seen and dropped by input port, sent by output port
	n                   uint64
	// first and last are the first and last packet times; back counts
	// packets whose time is before the previous packet's.
	first, last, back int64
	_                 [64]byte
}

func newMixProc(cores, ports int, limit uint64, cancel context.CancelFunc) *mixProc {
	return &mixProc{cores: cores, ports: ports, limit: limit, cancel: cancel, per: make([]mixCounts, cores)}
}

func (m *mixProc) Cores() int { return m.cores }

func (m *mixProc) ReadsHeaders() bool { return !m.raw }

func (m *mixProc) ProcessBurst(core int, pkts []maestro.Packet, v []maestro.Verdict) {
	c := &m.per[core]
	for i := range pkts {
		if t := pkts[i].Time; c.first == 0 {
			c.first = t
		} else if t < c.last {
			c.back++
		}
		c.last = pkts[i].Time
		in := int(pkts[i].InPort)
		c.seen[in]++
		k := int(c.n % uint64(m.ports+3))
		c.n++
		switch {
		case k < m.ports:
			v[i] = maestro.Forward(maestro.Port(k))
			c.sent[k]++
		case k == m.ports:
			v[i] = maestro.Flood
			for p := range m.ports {
				if p != in {
					c.sent[p]++
				}
			}
		case k == m.ports+1:
			v[i] = maestro.Drop
			c.dropped[in]++
		default:
			v[i] = maestro.Forward(maestro.Port(m.ports + 5)) // no such port: dropped
			c.dropped[in]++
		}
	}
	if c.n >= m.limit && c.n-uint64(len(pkts)) < m.limit {
		if m.done.Add(1) == int32(m.cores) {
			m.cancel()
		}
	}
}

// check compares the run's counters with what the processor decided.
func (m *mixProc) check(t *testing.T, res Result) {
	t.Helper()
	for p := range m.ports {
		var seen, sent, dropped uint64
		for c := range m.per {
			seen += m.per[c].seen[p]
			sent += m.per[c].sent[p]
			dropped += m.per[c].dropped[p]
		}
		ps := res.Stats.Ports[p]
		if ps.RX != seen || ps.TX != sent || ps.Dropped != dropped || ps.TXFailed != 0 {
			t.Errorf("port %d: stats %+v (tx failed %d), processor saw %d, sent %d, dropped %d", p, ps.Stats, ps.TXFailed, seen, sent, dropped)
		}
		for c := range m.cores {
			if q := ps.Queues[c]; q.RX != m.per[c].seen[p] {
				t.Errorf("port %d core %d: RX %d, processor saw %d", p, c, q.RX, m.per[c].seen[p])
			}
		}
	}
	if p := res.Stats.Pool; p.InUse != 0 {
		t.Errorf("mbuf accounting after the run: %+v", p)
	}
}

// Several runs in one EAL on three net_null ports: RSS mode with the
// default and with explicit configurations, forced software dispatch, and
// configuration errors. Each run mixes forwards, floods and drops and must
// account for every packet and return every mbuf.
func TestNull(t *testing.T) {
	inChild(t, func(t *testing.T) {
		eal := nullEAL(3)
		if err := Init(eal); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := Cleanup(); err != nil {
				t.Error(err)
			}
			if Init(eal) == nil || Initialized() {
				t.Error("the EAL restarted after Cleanup")
			}
		}()
		mixRun := func(t *testing.T, cfg Config) Result {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			proc := newMixProc(2, 3, 300000, cancel)
			cfg.Logf = t.Logf
			var mu sync.Mutex
			var reports []Stats
			cfg.ReportEvery = time.Millisecond
			res, err := Run(ctx, cfg, proc, func(s Stats) {
				mu.Lock()
				reports = append(reports, s)
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			if ctx.Err() == context.DeadlineExceeded {
				t.Fatal("the run did not reach its packet count")
			}
			proc.check(t, res)
			// Periodic reports depend on the scheduler (the workers busy-poll
			// every CPU); the final one must always come and match.
			if len(reports) == 0 {
				t.Errorf("no report: want at least the final one")
			} else if last := reports[len(reports)-1]; last.Total != res.Stats.Total {
				t.Errorf("final report %+v differs from the result %+v", last.Total, res.Stats.Total)
			}
			return res
		}

		t.Run("packet-time", func(t *testing.T) {
			// Without RX timestamps a packet's time is the wall clock at
			// its burst (read from the TSC between anchors on
			// CLOCK_REALTIME): within the run, and never going back on a
			// worker. The processor takes unparsed packets (the workers'
			// raw path): every counter, kept by input port, must still
			// add up.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			proc := newMixProc(2, 3, 300000, cancel)
			proc.raw = true
			start := time.Now().UnixNano()
			res, err := Run(ctx, Config{EAL: eal, Logf: t.Logf}, proc, nil)
			if err != nil {
				t.Fatal(err)
			}
			end := time.Now().UnixNano()
			proc.check(t, res)
			for core, c := range proc.per {
				// The clock may lag its anchor by the TSC's error over one
				// anchor span (10 ms); allow that much on each side.
				const slack = int64(10 * time.Millisecond)
				if c.first < start-slack || c.last > end+slack || c.first > c.last {
					t.Errorf("core %d: packet times %d..%d outside the run %d..%d", core, c.first, c.last, start, end)
				}
				if c.back != 0 {
					t.Errorf("core %d: %d packets earlier than the one before", core, c.back)
				}
			}
		})
		t.Run("rss-default", func(t *testing.T) {
			res := mixRun(t, Config{EAL: eal})
			if res.Mode != ModeRSS || hasNote(res, "software dispatch") {
				t.Errorf("mode %v, notes %q; want rss without a fallback", res.Mode, res.Notes)
			}
			// net_null stamps nothing, so the run must say it used the
			// wall clock, and why.
			if res.Timestamps || !hasNote(res, "packet time: the wall clock at each burst (port 0 (net_null0, driver net_null)") {
				t.Errorf("timestamps %v, notes %q; want the wall clock, explained", res.Timestamps, res.Notes)
			}
		})
		t.Run("rss-explicit", func(t *testing.T) {
			key := make([]byte, 40)
			for i := range key {
				key[i] = byte(i*7 + 1)
			}
			reta := make([]uint16, 64) // half the device's 128 entries: repeated
			for i := range reta {
				reta[i] = uint16(i % 2)
			}
			rss := []RSS{{Key: key, RETA: reta}, {Key: key}, {RETA: reta, Hash: HashIPv4}}
			res := mixRun(t, Config{RSS: rss})
			if res.Mode != ModeRSS || hasNote(res, "software dispatch") {
				t.Errorf("mode %v, notes %q; want rss without a fallback", res.Mode, res.Notes)
			}
		})
		t.Run("bad-reta-falls-back", func(t *testing.T) {
			var next atomic.Uint32
			res := mixRun(t, Config{
				RSS:      []RSS{{}, {RETA: []uint16{0, 1, 1}}},
				Dispatch: func(*maestro.Packet) int { return int(next.Add(1)) },
			})
			if res.Mode != ModeSoftware || !hasNote(res, "3 entries do not fit") {
				t.Errorf("mode %v, notes %q; want software dispatch explained by the RETA size", res.Mode, res.Notes)
			}
		})
		t.Run("forced-software", func(t *testing.T) {
			var next atomic.Uint32
			res := mixRun(t, Config{Software: true, Dispatch: func(*maestro.Packet) int { return int(next.Add(1)) }})
			if res.Mode != ModeSoftware {
				t.Errorf("mode %v, want software", res.Mode)
			}
		})
		t.Run("errors", func(t *testing.T) {
			// A case that wrongly starts runs until this deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			proc := newMixProc(2, 3, 1<<62, func() {})
			cases := []struct {
				name string
				cfg  Config
				want string
			}{
				{"too many ports", Config{Ports: 5}, "5 ports wanted, 3 available"},
				{"other EAL args", Config{EAL: []string{"--no-huge"}}, "EAL already running"},
				{"too many cores", Config{Cores: 3}, "3 cores requested"},
				{"no dispatch", Config{RSS: []RSS{{RETA: make([]uint16, 3)}}}, "Config.Dispatch is nil"},
				{"RETA names a missing core", Config{RSS: []RSS{{RETA: []uint16{0, 1, 2, 0}}}}, "names core 2"},
			}
			for _, c := range cases {
				c.cfg.Logf = t.Logf
				_, err := Run(ctx, c.cfg, proc, nil)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
				}
			}
			if p := Pools(); len(p) == 0 || p[0].InUse != 0 {
				t.Errorf("pools after failed runs: %+v", p)
			}
		})
	})
}
