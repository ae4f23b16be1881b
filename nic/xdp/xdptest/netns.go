//go:build linux

// Package xdptest gives AF_XDP tests network namespaces with veth pairs,
// made and removed by the test: one namespace holds the ports a backend runs
// on, the other their peers, from which the test sends and where it
// captures.
package xdptest

import (
	"bytes"
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
)

// Net is a pair of network namespaces made for one test: NF holds the
// ports the backend runs on (NFIf[i] is port i), Peer their veth peers
// (PeerIf[i]), from which the test sends and where it captures.
type Net struct {
	NF, Peer       string   // namespace names
	NFIf, PeerIf   []string // NFIf[i] is port i, PeerIf[i] its peer
	sendFD, recvFD []int    // AF_PACKET sockets on the peer ends
}

var netSeq atomic.Int32

// ipCmd runs ip(8), failing the test on error.
func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// New creates the namespaces and ports veth pairs, removed when the
// test ends (pass or fail). It skips the test where the kernel or the
// environment refuses: not root, no ip(8), namespaces not allowed.
func New(t testing.TB, ports int) *Net {
	t.Helper()
	return NewQueues(t, ports, 1)
}

// NewQueues is New with veth devices of queues receive and transmit queues
// each.
func NewQueues(t testing.TB, ports, queues int) *Net {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces, XDP and AF_XDP need root (CAP_NET_ADMIN, CAP_BPF)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip(8) (iproute2) is not installed: cannot create network namespaces")
	}
	id := fmt.Sprintf("mx%d-%d", os.Getpid()%100000, netSeq.Add(1))
	n := &Net{NF: id + "-nf", Peer: id + "-peer"}
	if out, err := exec.Command("ip", "netns", "add", n.NF).CombinedOutput(); err != nil {
		t.Skipf("the kernel refuses a network namespace: ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.NF).Run() })
	ipCmd(t, "netns", "add", n.Peer)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", n.Peer).Run() })
	for _, ns := range []string{n.NF, n.Peer} {
		// No IPv6: its neighbour discovery would add frames to the traffic.
		ipCmd(t, "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	for i := range ports {
		a, b := fmt.Sprintf("p%d", i), fmt.Sprintf("q%d", i)
		q := fmt.Sprint(queues)
		ipCmd(t, "link", "add", a, "netns", n.NF, "numtxqueues", q, "numrxqueues", q, "type", "veth",
			"peer", "name", b, "netns", n.Peer, "numtxqueues", q, "numrxqueues", q)
		ipCmd(t, "-n", n.NF, "link", "set", a, "mtu", "1600", "up")
		ipCmd(t, "-n", n.Peer, "link", "set", b, "mtu", "1600", "up")
		n.NFIf = append(n.NFIf, a)
		n.PeerIf = append(n.PeerIf, b)
	}
	// Sockets on the peer ends: one to send, one to capture, per port.
	err := InNetns(n.Peer, func() error {
		for _, name := range n.PeerIf {
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
		for _, fd := range append(n.sendFD, n.recvFD...) { // nil after StopCapture
			unix.Close(fd)
		}
	})
	if err != nil {
		t.Fatalf("AF_PACKET sockets in %s: %v", n.Peer, err)
	}
	return n
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// InNetns runs f on a thread switched into namespace ns. The thread is
// never switched back: its goroutine ends locked, so the runtime retires it.
func InNetns(ns string, f func() error) error {
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

// StopCapture closes the test's AF_PACKET sockets (Send and Capture no
// longer work): a benchmark does not want the kernel to copy every frame
// to them.
func (n *Net) StopCapture() {
	for _, fd := range append(n.sendFD, n.recvFD...) {
		unix.Close(fd)
	}
	n.sendFD, n.recvFD = nil, nil
}

// Send transmits frame from the peer end of port.
func (n *Net) Send(t testing.TB, port int, frame []byte) {
	t.Helper()
	for {
		_, err := unix.Write(n.sendFD[port], frame)
		if err == unix.ENOBUFS || err == unix.EAGAIN {
			time.Sleep(50 * time.Microsecond)
			continue
		}
		if err != nil {
			t.Fatalf("sending on %s: %v", n.PeerIf[port], err)
		}
		return
	}
}

// Capture returns the frames the peer end of port received (not those it
// sent), until none arrived for 100 ms.
func (n *Net) Capture(port int) [][]byte {
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
