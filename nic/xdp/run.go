//go:build linux

package xdp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Mode is where the XDP program runs.
type Mode int

const (
	// Auto tries native (driver) mode and falls back to generic mode.
	Auto Mode = iota
	// Native runs the program in the driver, before any sk_buff exists;
	// zero-copy is tried where the driver supports it.
	Native
	// Generic (SKB mode) runs the program after the kernel built an
	// sk_buff: every driver supports it, sockets run in copy mode.
	Generic
)

// String returns "auto", "native" or "generic".
func (m Mode) String() string {
	switch m {
	case Auto:
		return "auto"
	case Native:
		return "native"
	case Generic:
		return "generic"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ParseMode parses the format of Mode.String ("" is Auto).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "auto":
		return Auto, nil
	case "native", "driver":
		return Native, nil
	case "generic", "skb":
		return Generic, nil
	}
	return Auto, fmt.Errorf("xdp: unknown XDP mode %q (want native or generic)", s)
}

// Config configures Run.
type Config struct {
	// Interfaces are the ports: Interfaces[i] is port i.
	Interfaces []string
	// Mode is where the XDP program runs.
	Mode Mode
	// RSS is the NF's RSS configuration (from the generated RSS()); nil
	// sends every frame to worker 0, which only suits a one-core Processor.
	RSS []rss.Config
	// Sink, if set, receives every frame transmitted (Frame.Port is the
	// output port). It is called under a lock, from the workers.
	Sink soft.Sink
	// Progress, if set, is called every ProgressEvery (default 1s).
	Progress      func(soft.Progress)
	ProgressEvery time.Duration
	// Ready, if set, is called once every socket is bound and receiving.
	Ready func(Info)
	// NoDeviceRSS leaves the devices' RSS configuration alone: the XDP
	// program steers every frame by the plan's RSS. Otherwise Run programs
	// the plan into every device that accepts it (ethtool), and restores
	// the device's configuration when it returns.
	NoDeviceRSS bool
}

// Info says how the backend runs.
type Info struct {
	// Mode is Native or Generic: where the program was attached.
	Mode Mode
	// ZeroCopy reports that every socket is in zero-copy mode (else copy).
	ZeroCopy bool
	// Queues is the number of receive queues (one socket each) per port.
	Queues []int
	// Steered reports that frames are steered by the plan's RSS (else
	// every frame goes to worker 0).
	Steered bool
	// DeviceRSS reports, per port, that the device's RSS was programmed to
	// the plan through ethtool: it steers TCP and UDP over IPv4 to the
	// queue numbered as the worker, and the XDP program hashes only the
	// other frames. Notes say why a port does not.
	DeviceRSS []bool
	// Notes are remarks for the user, e.g. fewer queues than cores.
	Notes []string
}

// Result is what Run counted, in the software backend's shape, with how it
// ran.
type Result struct {
	soft.Result
	Info
}

// Run runs proc on the interfaces of cfg until ctx is done: one pinned
// worker per core, the XDP steering program on every port, one AF_XDP
// socket per receive queue. Packet.Time is the wall clock at the burst's
// receipt, in nanoseconds since the epoch.
func Run(ctx context.Context, cfg Config, proc nic.Processor) (_ *Result, err error) {
	cores := proc.Cores()
	if cores < 1 {
		return nil, fmt.Errorf("xdp: processor has %d cores", cores)
	}
	if len(cfg.Interfaces) == 0 {
		return nil, fmt.Errorf("xdp: no interface")
	}
	if len(cfg.RSS) > 0 {
		if err := rss.CheckConfigs(cfg.RSS); err != nil {
			return nil, fmt.Errorf("xdp: %w", err)
		}
	} else if cores > 1 {
		return nil, fmt.Errorf("xdp: %d cores but no RSS configuration to steer by", cores)
	}
	ifs := make([]*net.Interface, len(cfg.Interfaces))
	for i, name := range cfg.Interfaces {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			return nil, fmt.Errorf("xdp: interface %q (port %d): no such interface", name, i)
		}
		ifs[i] = ifi
	}
	// Kernels before 5.11 charge BPF maps to RLIMIT_MEMLOCK; later ones
	// ignore it. Failing to raise it is not fatal by itself.
	_ = rlimit.RemoveMemlock()

	r := &runner{proc: proc, raw: !nic.ReadsHeaders(proc), cores: cores, ports: len(ifs), sink: cfg.Sink}
	defer func() {
		if cerr := r.close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("xdp: %w", cerr))
		}
	}()
	info := Info{ZeroCopy: true, Steered: len(cfg.RSS) > 0}
	for port, ifi := range ifs {
		queues := rxQueues(ifi.Name)
		info.Queues = append(info.Queues, queues)
		if queues < cores && cores > 1 {
			info.Notes = append(info.Notes, fmt.Sprintf("port %d (%s) has %d receive queue(s) for %d cores: the XDP program steers by the plan's RSS and the queue's socket hands frames to their worker", port, ifi.Name, queues, cores))
		}
		c := configFor(cfg.RSS, port)
		device := 0
		switch {
		case c == nil:
		case cfg.NoDeviceRSS:
			info.Notes = append(info.Notes, fmt.Sprintf("port %d (%s): the device's RSS is left alone (as asked); the plan's RSS runs in the XDP program", port, ifi.Name))
		default:
			d, err := programDevice(ifi.Name, c, cores, queues)
			if err != nil {
				info.Notes = append(info.Notes, fmt.Sprintf("port %d (%s): device RSS not programmed (%v); the plan's RSS runs in the XDP program", port, ifi.Name, err))
				break
			}
			r.devices = append(r.devices, d)
			device = cores
		}
		info.DeviceRSS = append(info.DeviceRSS, device > 0)
		st, err := newSteering(c, cores, queues, device)
		if err != nil {
			return nil, fmt.Errorf("xdp: port %d (%s): %w", port, ifi.Name, err)
		}
		r.steer = append(r.steer, st)
		l, mode, err := attach(st, ifi.Index, cfg.Mode)
		if err != nil {
			return nil, fmt.Errorf("xdp: port %d (%s): %w", port, ifi.Name, err)
		}
		r.links = append(r.links, l)
		if port == 0 {
			info.Mode = mode
		} else if mode != info.Mode {
			info.Notes = append(info.Notes, fmt.Sprintf("port %d (%s) runs in %v mode", port, ifi.Name, mode))
		}
		var socks []*socket
		for q := range queues {
			s, err := openSocket(ifi.Index, port, q, mode == Native)
			if err != nil {
				return nil, fmt.Errorf("xdp: port %d (%s): %w", port, ifi.Name, err)
			}
			r.all = append(r.all, s)
			socks = append(socks, s)
			info.ZeroCopy = info.ZeroCopy && s.zeroCopy
			if err := st.xsks.Put(uint32(q), uint32(s.fd)); err != nil {
				return nil, fmt.Errorf("xdp: port %d (%s): adding queue %d's socket to the XSKMAP: %w", port, ifi.Name, q, err)
			}
		}
		r.tx = append(r.tx, socks)
	}
	return r.run(ctx, cfg, info)
}

// configFor returns the RSS configuration of port: its own, else the
// default one, else nil.
func configFor(cfgs []rss.Config, port int) *rss.Config {
	var def *rss.Config
	for i := range cfgs {
		if cfgs[i].Port == port {
			return &cfgs[i]
		}
		if cfgs[i].Default {
			def = &cfgs[i]
		}
	}
	return def
}

// rxQueues returns the number of receive queues of an interface: the
// channels ethtool reports (ETHTOOL_GCHANNELS, asked in the calling
// thread's network namespace), else what sysfs lists (sysfs shows the
// namespace it was mounted in), else 1.
func rxQueues(name string) int {
	if n := ethtoolQueues(name); n > 0 {
		return n
	}
	m, err := filepath.Glob(filepath.Join("/sys/class/net", name, "queues", "rx-*"))
	if err != nil || len(m) == 0 {
		return 1
	}
	return len(m)
}

// ethtoolChannels is struct ethtool_channels.
type ethtoolChannels struct {
	cmd                                         uint32
	maxRX, maxTX, maxOther, maxCombined         uint32
	rxCount, txCount, otherCount, combinedCount uint32
}

// ethtoolQueues returns the receive channels of an interface, 0 if the
// driver does not say.
func ethtoolQueues(name string) int {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	ch := ethtoolChannels{cmd: unix.ETHTOOL_GCHANNELS}
	var ifr struct {
		name [unix.IFNAMSIZ]byte
		data unsafe.Pointer
		_    [16]byte
	}
	copy(ifr.name[:unix.IFNAMSIZ-1], name)
	ifr.data = unsafe.Pointer(&ch)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr))); e != 0 {
		return 0
	}
	return int(ch.rxCount + ch.combinedCount)
}

// attach attaches the steering program in mode (Auto: native, else
// generic) and returns the mode it runs in.
func attach(st *steering, ifindex int, mode Mode) (link.Link, Mode, error) {
	try := func(m Mode) (link.Link, error) {
		flags := link.XDPGenericMode
		if m == Native {
			flags = link.XDPDriverMode
		}
		return link.AttachXDP(link.XDPOptions{Program: st.prog, Interface: ifindex, Flags: flags})
	}
	if mode == Auto {
		if l, err := try(Native); err == nil {
			return l, Native, nil
		}
		mode = Generic
	}
	l, err := try(mode)
	if err != nil {
		if isPerm(err) {
			return nil, mode, fmt.Errorf("attaching XDP in %v mode: %w: needs root or CAP_NET_ADMIN and CAP_BPF", mode, err)
		}
		if errors.Is(err, unix.EBUSY) || errors.Is(err, unix.EEXIST) {
			return nil, mode, fmt.Errorf("attaching XDP in %v mode: %w (another XDP program is attached)", mode, err)
		}
		return nil, mode, fmt.Errorf("attaching XDP in %v mode: %w", mode, err)
	}
	return l, mode, nil
}

// runner holds a run's kernel objects and workers.
type runner struct {
	proc nic.Processor
	// raw says proc reads no header field: frames are loaded, not parsed
	// (nic.HeaderReader).
	raw   bool
	cores int
	ports int
	sink  soft.Sink

	steer []*steering
	links []link.Link
	all   []*socket   // every socket, in (port, queue) order
	tx    [][]*socket // per port, its sockets

	sinkMu  sync.Mutex
	sinkErr error
	workers []*worker
	stop    atomic.Bool
	// devices whose RSS configuration the run changed, to restore.
	devices []*deviceRSS
}

// close releases the run's kernel objects and restores the devices' RSS
// configuration; it returns what failed to restore.
func (r *runner) close() error {
	for _, l := range r.links {
		l.Close()
	}
	for _, s := range r.all {
		s.close()
	}
	for _, st := range r.steer {
		st.close()
	}
	for _, w := range r.workers {
		unix.Close(w.efd)
	}
	var errs []error
	for _, d := range r.devices {
		errs = append(errs, d.restore())
	}
	r.devices = nil
	return errors.Join(errs...)
}

func (r *runner) run(ctx context.Context, cfg Config, info Info) (*Result, error) {
	for id := range r.cores {
		w, err := newWorker(r, id)
		if err != nil {
			return nil, fmt.Errorf("xdp: %w", err)
		}
		r.workers = append(r.workers, w)
	}
	// Queue q of every port belongs to worker q mod cores: where the
	// device steers, the queue numbered as a worker holds its frames, so
	// they are processed in place.
	for _, s := range r.all {
		w := r.workers[s.queue%r.cores]
		w.own = append(w.own, s)
		w.pollfds = append(w.pollfds, unix.PollFd{Fd: int32(s.fd), Events: unix.POLLIN})
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, r.cores)
	for _, w := range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The goroutine ends locked to its thread, which the runtime
			// then retires (see nic.PinThread).
			if err := nic.PinThread(w.id); err != nil {
				errs[w.id] = err
				r.stop.Store(true)
				return
			}
			w.loop()
		}()
	}
	if cfg.Ready != nil {
		cfg.Ready(info)
	}
	done := make(chan struct{})
	var pwg sync.WaitGroup
	if cfg.Progress != nil {
		every := cfg.ProgressEvery
		if every <= 0 {
			every = time.Second
		}
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					cfg.Progress(soft.Progress{Packets: r.packets(), Elapsed: time.Since(start)})
				}
			}
		}()
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
		r.stop.Store(true)
		for _, w := range r.workers {
			select {
			case w.wake <- struct{}{}:
			default:
			}
			w.notify()
		}
	}()
	wg.Wait()
	close(done)
	pwg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("xdp: %w", err)
	}
	r.countStranded()
	res := &Result{Info: info}
	res.Elapsed = elapsed
	res.Ports = make([]nic.Stats, r.ports)
	res.Cores = make([]nic.Stats, r.cores)
	for _, w := range r.workers {
		c := &res.Cores[w.id]
		for p := range r.ports {
			st := nic.Stats{RX: w.cnt[4*p].Load(), TX: w.cnt[4*p+1].Load(), Dropped: w.cnt[4*p+2].Load(), Missed: w.cnt[4*p+3].Load()}
			res.Ports[p].Add(st)
			c.RX += st.RX
			c.TX += st.TX
			c.Dropped += st.Dropped
		}
		res.Packets += w.rx.Load()
		res.BadPort += w.bad.Load()
	}
	// Frames the kernel dropped: rx ring full, or no free frame in the fill
	// ring (the workers fell behind).
	for _, s := range r.all {
		var st unix.XDPStatistics
		if err := getStats(s.fd, &st); err == nil {
			// Rx_dropped includes the fill-ring misses.
			res.Ports[s.port].Missed += st.Rx_dropped + st.Rx_ring_full
		}
	}
	return res, r.sinkErr
}

func getStats(fd int, st *unix.XDPStatistics) error {
	size := uint32(unsafe.Sizeof(*st))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_STATISTICS, uintptr(unsafe.Pointer(st)), uintptr(unsafe.Pointer(&size)), 0)
	if e != 0 {
		return e
	}
	return nil
}

// countStranded counts the frames in handoff bursts that no worker
// processed before the run stopped as missed on their input ports.
func (r *runner) countStranded() {
	stranded := func(h *handoff) {
		for i := range h.n {
			r.workers[0].cnt[4*h.in[i]+3].Add(1)
		}
	}
	for _, w := range r.workers {
		for len(w.in) > 0 {
			stranded(<-w.in)
		}
		for _, h := range w.out {
			if h != nil {
				stranded(h)
			}
		}
	}
}

// packets returns the packets processed so far.
func (r *runner) packets() uint64 {
	var n uint64
	for _, w := range r.workers {
		n += w.rx.Load()
	}
	return n
}

// write passes a transmitted frame to the sink.
func (r *runner) write(port int, t int64, data []byte) {
	r.sinkMu.Lock()
	if r.sinkErr == nil {
		r.sinkErr = r.sink.Write(soft.Frame{Port: maestro.Port(port), Time: t, Data: data})
	}
	r.sinkMu.Unlock()
}

// String describes how the backend runs, for a summary line.
func (i Info) String() string {
	copyMode := "copy"
	if i.ZeroCopy {
		copyMode = "zero-copy"
	}
	q := make([]string, len(i.Queues))
	for p, n := range i.Queues {
		q[p] = fmt.Sprint(n)
	}
	steer := "the plan's RSS in the XDP program"
	var dev []string
	for p, d := range i.DeviceRSS {
		if d {
			dev = append(dev, fmt.Sprint(p))
		}
	}
	switch {
	case !i.Steered:
		steer = "one worker"
	case len(dev) > 0 && len(dev) == len(i.DeviceRSS):
		steer = "device RSS programmed via ethtool (other than TCP/UDP over IPv4: the plan's RSS in the XDP program)"
	case len(dev) > 0:
		steer = fmt.Sprintf("device RSS programmed via ethtool on port(s) %s, elsewhere the plan's RSS in the XDP program", strings.Join(dev, ","))
	}
	return fmt.Sprintf("XDP %v mode, AF_XDP %s, receive queues per port %s, %s", i.Mode, copyMode, strings.Join(q, ","), steer)
}
