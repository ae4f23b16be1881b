// Package xdp is Maestro's AF_XDP backend: it runs an NF on ordinary Linux
// interfaces (veth, virtio, any NIC) with kernel-bypass packet I/O, in pure
// Go. The XDP program is written with github.com/cilium/ebpf's asm package
// (no C compiler), and the AF_XDP sockets, their UMEM and their four rings
// are driven through golang.org/x/sys/unix.
//
// # Steering
//
// The kernel delivers a frame only to an XSK bound to the queue it arrived
// on. Frames reach their worker in one of two ways, per port; Info says
// which, and its Notes say why a port fell back.
//
// Device RSS programmed via ethtool. Unless Config.NoDeviceRSS, Run
// programs the plan into the device with the ethtool ioctls (SIOCETHTOOL,
// in the calling thread's network namespace): ETHTOOL_SRSSH sets the
// Toeplitz function, the plan's key (the bytes the IPv4 hash reads; the
// rest of a longer device key is kept) and an indirection table mapping
// each bucket to the queue numbered as the core of the plan's RETA (the
// RETA repeated to the device's size, which must fold exactly), and
// ETHTOOL_SRXFH sets the field sets of TCP and UDP over IPv4 to the plan's.
// It reads everything back (GRSSH, GRXFH) and compares. The device then
// puts every TCP and UDP frame the plan hashes with ports on the queue of
// its worker: the XDP program redirects such frames (untagged, on queues
// below the core count) without hashing, and the queue's worker processes
// them in place. Run reads the device's configuration first and restores
// it when it returns, so the operator's NIC is left as it was (not after
// SIGKILL). The fallback is taken when the driver answers EOPNOTSUPP (veth),
// the device has fewer queues than cores, no indirection table, one of a
// size the plan's RETA does not fold into, a key shorter than the IPv4
// hash reads, refuses a setting or reads back something else. On this
// project's test machine no device takes an RSS configuration: the
// programming path is verified by the encoding tests of both ioctl
// structures, programming, read-back and restore against a model of the
// kernel's ethtool handlers, and the program's device mode under
// BPF_PROG_TEST_RUN, never against a real NIC.
//
// The plan's RSS in the XDP program: for every other frame, and for every
// frame on a port that fell back, the program parses the frame exactly as
// maestro.Packet does (same rules for what counts as IPv4 and what has
// ports), computes the plan's Toeplitz hash as the XOR of twelve per-byte
// lookup tables (the hash is linear in its input), looks the worker up in
// the plan's RETA, and writes both into the frame's XDP metadata
// (bpf_xdp_adjust_meta) in front of the packet. The frame is then
// redirected to the XSK of its receive queue. This is the issue's "one XSK
// per queue with userspace dispatch" design: the socket's reader hands each
// frame to the worker the metadata names, so the hash is computed once, in
// the kernel, and packets that may share state meet on one worker.
//
// # Workers
//
// There is one pinned worker goroutine per core. Worker w owns queues w,
// w+cores, ... of every port (one socket per queue per port): it alone
// touches their fill, rx, completion and tx rings, so rings need no lock.
// Frames for itself are processed in place in the UMEM; frames for another
// worker are copied into that worker's burst and passed over a channel,
// one channel operation per burst. Transmission to a port whose socket
// another worker owns goes through that socket's tx lock, taken once per
// burst.
package xdp
