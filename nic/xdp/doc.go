// Package xdp is Maestro's AF_XDP backend: it runs an NF on ordinary Linux
// interfaces (veth, virtio, any NIC) with kernel-bypass packet I/O, in pure
// Go. The XDP program is written with github.com/cilium/ebpf's asm package
// (no C compiler), and the AF_XDP sockets, their UMEM and their four rings
// are driven through golang.org/x/sys/unix.
//
// # Steering
//
// The kernel delivers a frame only to an XSK bound to the queue it arrived
// on, and veth or virtio devices cannot be given the plan's Toeplitz key. So
// the XDP program does the RSS itself: it parses the frame exactly as
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
// There is one pinned worker goroutine per core. Worker w owns the sockets
// w, w+cores, ... (one socket per queue per port): it alone touches their
// fill, rx, completion and tx rings, so rings need no lock. Frames for
// itself are processed in place in the UMEM; frames for another worker are
// copied into that worker's burst and passed over a channel, one channel
// operation per burst. Transmission to a port whose socket another worker
// owns goes through that socket's tx lock, taken once per burst.
package xdp
