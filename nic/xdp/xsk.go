//go:build linux

package xdp

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UMEM geometry of one socket: rxFrames frames for the fill and rx rings,
// then txFrames frames for the tx and completion rings. Every ring has as
// many entries as the frames it circulates, so it can never overflow.
const (
	frameSize = 2048
	rxFrames  = 2048
	txFrames  = 2048
	umemSize  = (rxFrames + txFrames) * frameSize
)

// ring is one of the four AF_XDP rings, mapped from the kernel. The
// producer and consumer indexes are free-running uint32s; entries are
// indexed modulo the (power of two) size.
type ring struct {
	prod, cons, flags *uint32
	desc              unsafe.Pointer
	mask              uint32
	mem               []byte
	// cached is the producer's local index (fill, tx) or the consumer's
	// (rx, completion), published with a store.
	cached uint32
}

func mapRing(fd int, pgoff int64, off unix.XDPRingOffset, entries, entrySize int) (ring, error) {
	size := int(off.Desc) + entries*entrySize
	mem, err := unix.Mmap(fd, pgoff, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return ring{}, fmt.Errorf("mmap ring: %w", err)
	}
	base := unsafe.Pointer(&mem[0])
	return ring{
		prod:  (*uint32)(unsafe.Add(base, off.Producer)),
		cons:  (*uint32)(unsafe.Add(base, off.Consumer)),
		flags: (*uint32)(unsafe.Add(base, off.Flags)),
		desc:  unsafe.Add(base, off.Desc),
		mask:  uint32(entries - 1),
		mem:   mem,
	}, nil
}

func (r *ring) addr(i uint32) *uint64 {
	return (*uint64)(unsafe.Add(r.desc, uintptr(i&r.mask)*8))
}

func (r *ring) xdesc(i uint32) *unix.XDPDesc {
	return (*unix.XDPDesc)(unsafe.Add(r.desc, uintptr(i&r.mask)*unsafe.Sizeof(unix.XDPDesc{})))
}

// available returns how many entries a consumer ring holds for us.
func (r *ring) available() uint32 { return atomic.LoadUint32(r.prod) - r.cached }

// release hands n consumed entries back to the kernel.
func (r *ring) release(n uint32) {
	r.cached += n
	atomic.StoreUint32(r.cons, r.cached)
}

// free returns how many entries a producer ring can take.
func (r *ring) free() uint32 { return r.mask + 1 - (r.cached - atomic.LoadUint32(r.cons)) }

// submit publishes n produced entries.
func (r *ring) submit(n uint32) {
	r.cached += n
	atomic.StoreUint32(r.prod, r.cached)
}

func (r *ring) needWakeup() bool { return atomic.LoadUint32(r.flags)&unix.XDP_RING_NEED_WAKEUP != 0 }

// socket is one AF_XDP socket bound to one queue of one port, with its own
// UMEM. Its fill and rx rings belong to the worker that owns it; its tx and
// completion rings to whoever holds txMu.
type socket struct {
	fd       int
	port     int
	queue    int
	zeroCopy bool
	umem     []byte
	fill, rx ring

	txMu     sync.Mutex
	tx, comp ring
	txFree   []uint64 // tx frames not in flight
}

// errNoAFXDP marks a kernel without AF_XDP sockets.
var errNoAFXDP = errors.New("this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)")

func setsockopt(fd, opt int, p unsafe.Pointer, size uintptr) error {
	_, _, e := unix.Syscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.SOL_XDP, uintptr(opt), uintptr(p), size, 0)
	if e != 0 {
		return e
	}
	return nil
}

// openSocket creates a socket for queue of the interface ifindex (port
// number port), registers its UMEM, maps its rings, fills the fill ring and
// binds it, in zero-copy mode if tryZeroCopy and the driver accepts it,
// copy mode otherwise.
func openSocket(ifindex, port, queue int, tryZeroCopy bool) (_ *socket, err error) {
	fd, err := unix.Socket(unix.AF_XDP, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EAFNOSUPPORT) {
			return nil, errNoAFXDP
		}
		if isPerm(err) {
			return nil, fmt.Errorf("AF_XDP socket: %w: needs root or CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF", err)
		}
		return nil, fmt.Errorf("AF_XDP socket: %w", err)
	}
	s := &socket{fd: fd, port: port, queue: queue}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	s.umem, err = unix.Mmap(-1, 0, umemSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("UMEM of %d bytes: %w", umemSize, err)
	}
	reg := unix.XDPUmemReg{Addr: uint64(uintptr(unsafe.Pointer(&s.umem[0]))), Len: umemSize, Size: frameSize}
	if err := setsockopt(fd, unix.XDP_UMEM_REG, unsafe.Pointer(&reg), unsafe.Sizeof(reg)); err != nil {
		return nil, fmt.Errorf("XDP_UMEM_REG: %w", err)
	}
	for _, r := range []struct{ opt, n int }{
		{unix.XDP_UMEM_FILL_RING, rxFrames}, {unix.XDP_UMEM_COMPLETION_RING, txFrames},
		{unix.XDP_RX_RING, rxFrames}, {unix.XDP_TX_RING, txFrames},
	} {
		if err := unix.SetsockoptInt(fd, unix.SOL_XDP, r.opt, r.n); err != nil {
			return nil, fmt.Errorf("ring size option %d: %w", r.opt, err)
		}
	}
	var off unix.XDPMmapOffsets
	size := uint32(unsafe.Sizeof(off))
	if _, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_XDP, unix.XDP_MMAP_OFFSETS,
		uintptr(unsafe.Pointer(&off)), uintptr(unsafe.Pointer(&size)), 0); e != 0 {
		return nil, fmt.Errorf("XDP_MMAP_OFFSETS: %w", e)
	}
	descSize := int(unsafe.Sizeof(unix.XDPDesc{}))
	if s.rx, err = mapRing(fd, unix.XDP_PGOFF_RX_RING, off.Rx, rxFrames, descSize); err != nil {
		return nil, err
	}
	if s.tx, err = mapRing(fd, unix.XDP_PGOFF_TX_RING, off.Tx, txFrames, descSize); err != nil {
		return nil, err
	}
	if s.fill, err = mapRing(fd, unix.XDP_UMEM_PGOFF_FILL_RING, off.Fr, rxFrames, 8); err != nil {
		return nil, err
	}
	if s.comp, err = mapRing(fd, unix.XDP_UMEM_PGOFF_COMPLETION_RING, off.Cr, txFrames, 8); err != nil {
		return nil, err
	}
	// Every rx frame starts in the fill ring, every tx frame on the free list.
	for i := range uint32(rxFrames) {
		*s.fill.addr(s.fill.cached + i) = uint64(i) * frameSize
	}
	s.fill.submit(rxFrames)
	s.txFree = make([]uint64, 0, txFrames)
	for i := range txFrames {
		s.txFree = append(s.txFree, uint64(rxFrames+i)*frameSize)
	}
	bind := func(mode uint16) error {
		return unix.Bind(fd, &unix.SockaddrXDP{Flags: unix.XDP_USE_NEED_WAKEUP | mode, Ifindex: uint32(ifindex), QueueID: uint32(queue)})
	}
	if tryZeroCopy {
		if err := bind(unix.XDP_ZEROCOPY); err == nil {
			s.zeroCopy = true
			return s, nil
		}
	}
	if err := bind(unix.XDP_COPY); err != nil {
		return nil, fmt.Errorf("binding an AF_XDP socket to queue %d: %w", queue, err)
	}
	return s, nil
}

func (s *socket) close() {
	for _, r := range []*ring{&s.rx, &s.tx, &s.fill, &s.comp} {
		if r.mem != nil {
			unix.Munmap(r.mem)
			r.mem = nil
		}
	}
	if s.fd >= 0 {
		unix.Close(s.fd)
		s.fd = -1
	}
	if s.umem != nil {
		unix.Munmap(s.umem)
		s.umem = nil
	}
}

// frame returns the UMEM bytes of a descriptor.
func (s *socket) frame(d *unix.XDPDesc) []byte {
	return s.umem[d.Addr : d.Addr+uint64(d.Len) : d.Addr+uint64(d.Len)]
}

// meta returns the worker the steering program wrote in front of a frame.
func (s *socket) worker(d *unix.XDPDesc) uint32 {
	return *(*uint32)(unsafe.Pointer(&s.umem[d.Addr-4]))
}

// refill returns rx frames to the fill ring, and wakes the kernel if it
// asks to be woken (it ran out of fill entries).
func (s *socket) refill(addrs []uint64) {
	for i, a := range addrs {
		*s.fill.addr(s.fill.cached + uint32(i)) = a &^ (frameSize - 1)
	}
	s.fill.submit(uint32(len(addrs)))
	if s.fill.needWakeup() {
		// A receive wakes the kernel's fill-ring processing (copy mode
		// polls it on the next frame anyway).
		unix.Syscall6(unix.SYS_RECVFROM, uintptr(s.fd), 0, 0, unix.MSG_DONTWAIT, 0, 0)
	}
}

// reap moves completed tx frames back to the free list. txMu is held.
func (s *socket) reap() {
	n := s.comp.available()
	for i := range n {
		s.txFree = append(s.txFree, *s.comp.addr(s.comp.cached + i))
	}
	s.comp.release(n)
}

// kick asks the kernel to transmit what the tx ring holds. Copy mode only
// sends from within this system call, at most a budget of frames per call
// (EAGAIN when more remain), so it is retried a few times. txMu is held.
func (s *socket) kick() {
	if s.zeroCopy && !s.tx.needWakeup() {
		return
	}
	for range 8 {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(s.fd), 0, 0, unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case unix.EINTR:
			continue
		case unix.EAGAIN, unix.EBUSY, unix.ENOBUFS:
			if atomic.LoadUint32(s.tx.cons) == s.tx.cached {
				return
			}
			continue
		}
		return
	}
}
