package xdp

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
)

// testNet is a pair of network namespaces made for one test: "nf" holds the
// ports the backend runs on (nfIf[i] is port i), "peer" their veth peers
// (peerIf[i]), from which the test sends and where it captures.
type testNet struct {
	nf, peer       string
	nfIf, peerIf   []string
	sendFD, recvFD []int // AF_PACKET sockets on the peer ends
}

var netSeq atomic.Int32

// ip runs ip(8), failing the test on error.
func ip(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// newTestNet creates the namespaces and ports veth pairs, removed when the
// test ends (pass or fail). It skips the test where the kernel or the
// environment refuses: not root, no ip(8), namespaces not allowed.
func newTestNet(t testing.TB, ports int) *testNet {
	t.Helper()
	needBPF(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip(8) (iproute2) is not installed: cannot create network namespaces")
	}
	id := fmt.Sprintf("mx%d-%d", os.Getpid()%100000, netSeq.Add(1))
	n := &testNet{nf: id + "-nf", peer: id + "-peer"}
	if out, err := exec.Command("ip", "netns", "add", n.nf).CombinedOutput(); err != nil {
		t.Skipf("the kernel refuses a network namespace: ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.nf).Run() })
	ip(t, "netns", "add", n.peer)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.peer).Run() })
	for _, ns := range []string{n.nf, n.peer} {
		// No IPv6: its neighbour discovery would add frames to the traffic.
		ip(t, "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	for i := range ports {
		a, b := fmt.Sprintf("p%d", i), fmt.Sprintf("q%d", i)
		ip(t, "link", "add", a, "netns", n.nf, "type", "veth", "peer", "name", b, "netns", n.peer)
		ip(t, "-n", n.nf, "link", "set", a, "up")
		ip(t, "-n", n.peer, "link", "set", b, "up")
		n.nfIf = append(n.nfIf, a)
		n.peerIf = append(n.peerIf, b)
	}
	// Sockets on the peer ends: one to send, one to capture, per port.
	err := inNetns(n.peer, func() error {
		for _, name := range n.peerIf {
			ifi, err := net.InterfaceByName(name)
			if err != nil {
				return err
			}
			for _, dst := range []*[]int{&n.sendFD, &n.recvFD} {
				fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
				if err != nil {
					return err
				}
				*dst = append(*dst, fd)
				if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
					return err
				}
			}
			// Capture only: a large receive buffer, so nothing is lost
			// while the test is busy sending.
			unix.SetsockoptInt((n.recvFD)[len(n.recvFD)-1], unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 64<<20)
		}
		return nil
	})
	t.Cleanup(func() {
		for _, fd := range append(n.sendFD, n.recvFD...) {
			unix.Close(fd)
		}
	})
	if err != nil {
		t.Fatalf("AF_PACKET sockets in %s: %v", n.peer, err)
	}
	return n
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// inNetns runs f on a thread switched into namespace ns. The thread is
// never switched back: its goroutine ends locked, so the runtime retires it.
func inNetns(ns string, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open("/var/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- f()
	}()
	return <-errc
}

// send transmits frame from the peer end of port.
func (n *testNet) send(t testing.TB, port int, frame []byte) {
	t.Helper()
	for {
		_, err := unix.Write(n.sendFD[port], frame)
		if err == unix.ENOBUFS || err == unix.EAGAIN {
			time.Sleep(50 * time.Microsecond)
			continue
		}
		if err != nil {
			t.Fatalf("sending on %s: %v", n.peerIf[port], err)
		}
		return
	}
}

// capture returns the frames received so far by the peer end of port
// (frames it sent itself excluded), waiting up to wait for the first and
// then until the socket stays quiet for a moment.
func (n *testNet) capture(port int) [][]byte {
	var out [][]byte
	buf := make([]byte, 4096)
	fd := n.recvFD[port]
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		if k, _ := unix.Poll(pfd, 100); k <= 0 {
			return out
		}
		m, from, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		if err != nil {
			continue
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		out = append(out, bytes.Clone(buf[:m]))
	}
}

// backend is a Run of the XDP backend in the test's "nf" namespace.
type backend struct {
	cancel    context.CancelFunc
	done      chan struct{}
	res       *Result
	err       error
	processed atomic.Uint64
	info      Info
}

// start runs proc on the test's ports until stop, and returns once the
// sockets are bound.
func (n *testNet) start(t testing.TB, cfg Config, proc nic.Processor) *backend {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &backend{cancel: cancel, done: make(chan struct{})}
	ready := make(chan Info, 1)
	cfg.Interfaces = n.nfIf
	cfg.Ready = func(i Info) { ready <- i }
	cfg.ProgressEvery = 2 * time.Millisecond
	cfg.Progress = func(p soft.Progress) { b.processed.Store(p.Packets) }
	go func() {
		defer close(b.done)
		b.err = inNetns(n.nf, func() error {
			var err error
			b.res, err = Run(ctx, cfg, proc)
			return err
		})
	}()
	select {
	case b.info = <-ready:
	case <-b.done:
		cancel()
		if b.err != nil && (strings.Contains(b.err.Error(), "no AF_XDP") || strings.Contains(b.err.Error(), "not supported")) {
			t.Skipf("the kernel refuses: %v", b.err)
		}
		t.Fatalf("xdp.Run ended before it was ready: %v", b.err)
	}
	t.Cleanup(func() { b.stop() })
	return b
}

// waitProcessed waits until the NF processed at least n packets.
func (b *backend) waitProcessed(t testing.TB, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for b.processed.Load() < n {
		if time.Now().After(deadline) {
			res, err := b.stop()
			if res != nil {
				t.Fatalf("the NF processed %d packets, want %d (%+v, %v)", res.Packets, n, res.Result, err)
			}
			t.Fatalf("the NF processed %d packets, want %d (%v)", b.processed.Load(), n, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// stop ends the run and returns its result.
func (b *backend) stop() (*Result, error) {
	b.cancel()
	<-b.done
	return b.res, b.err
}
