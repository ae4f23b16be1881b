//go:build linux

package xdp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// littleEndian skips on a big-endian host: the expected layouts below are
// written out byte by byte in little-endian order.
func littleEndian(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("big-endian host: the expected ioctl layouts are written little-endian")
	}
}

// The struct ethtool_rxfh layout of include/uapi/linux/ethtool.h: cmd,
// rss_context, indir_size, key_size (u32), hfunc, input_xfrm (u8),
// rsvd8[2], rsvd32, then rss_config: the table (u32 each), then the key.
func TestRxfhEncoding(t *testing.T) {
	littleEndian(t)
	got := encodeRxfh(unix.ETHTOOL_SRSSH, &rxfh{Hfunc: hashTop, InputXfrm: 0, Indir: []uint32{1, 0, 0x0302}, Key: []byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee}})
	want := []byte{
		0x47, 0, 0, 0, // cmd ETHTOOL_SRSSH
		0, 0, 0, 0, // rss_context 0: the default context
		3, 0, 0, 0, // indir_size
		5, 0, 0, 0, // key_size
		1,    // hfunc ETH_RSS_HASH_TOP
		0,    // input_xfrm: none
		0, 0, // rsvd8[2]
		0, 0, 0, 0, // rsvd32
		1, 0, 0, 0, 0, 0, 0, 0, 2, 3, 0, 0, // rss_config: indirection table
		0xaa, 0xbb, 0xcc, 0xdd, 0xee, // then the key
	}
	if !bytes.Equal(got, want) {
		t.Errorf("SRSSH encoding\n got %x\nwant %x", got, want)
	}
	// No table: ETH_RXFH_INDIR_NO_CHANGE; the default table: size 0.
	got = encodeRxfh(unix.ETHTOOL_SRSSH, &rxfh{Key: []byte{9}})
	want = []byte{0x47, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}
	if !bytes.Equal(got, want) {
		t.Errorf("SRSSH without a table\n got %x\nwant %x", got, want)
	}
	got = encodeRxfh(unix.ETHTOOL_SRSSH, &rxfh{IndirDefault: true})
	if binary.LittleEndian.Uint32(got[8:]) != 0 || len(got) != 24 {
		t.Errorf("SRSSH resetting the table: %x, want indir_size 0 and 24 bytes", got)
	}
	// A GRSSH request asking for the sizes only.
	got = encodeRxfh(unix.ETHTOOL_GRSSH, &rxfh{})
	want = append([]byte{0x46}, make([]byte, 23)...)
	if !bytes.Equal(got, want) {
		t.Errorf("GRSSH size query\n got %x\nwant %x", got, want)
	}

	// Decoding a GRSSH answer written by hand.
	answer := []byte{
		0x46, 0, 0, 0, 0, 0, 0, 0,
		2, 0, 0, 0, // indir_size
		3, 0, 0, 0, // key_size
		4, 1, 0, 0, 0, 0, 0, 0, // hfunc CRC32, input_xfrm sym-xor
		7, 0, 0, 0, 0, 1, 0, 0, // table 7, 256
		0x10, 0x20, 0x30, // key
	}
	r, n, k, err := decodeRxfh(answer)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || k != 3 || r.Hfunc != 4 || r.InputXfrm != 1 || !slices.Equal(r.Indir, []uint32{7, 256}) || !bytes.Equal(r.Key, []byte{0x10, 0x20, 0x30}) {
		t.Errorf("decoded %+v, sizes %d %d", r, n, k)
	}
	// The sizes alone (the kernel's answer to a size query).
	if r, n, k, err := decodeRxfh(answer[:24]); err != nil || n != 2 || k != 3 || r.Indir != nil || r.Key != nil {
		t.Errorf("size answer: %+v %d %d %v", r, n, k, err)
	}
	// Bad answers are errors, not panics.
	for _, bad := range [][]byte{answer[:20], answer[:30], append(slices.Clone(answer), 0)} {
		if _, _, _, err := decodeRxfh(bad); err == nil {
			t.Errorf("decoding %d bytes: no error", len(bad))
		}
	}
}

// The struct ethtool_rxnfc layout: cmd, flow_type (u32), data (u64) at 8,
// fs (struct ethtool_rx_flow_spec: flow_type, h_u (52), h_ext (20), m_u
// (52), m_ext (20), pad, ring_cookie (u64) at 152, location, pad: 168
// bytes) at 16, rule_cnt at 184, 192 bytes in all.
func TestRxnfcEncoding(t *testing.T) {
	littleEndian(t)
	got := encodeRxnfc(unix.ETHTOOL_SRXFH, flowUDPv4, rxhIPSrc|rxhIPDst|rxhL4Src|rxhL4Dst)
	want := make([]byte, 192)
	copy(want, []byte{
		0x2a, 0, 0, 0, // cmd ETHTOOL_SRXFH
		2, 0, 0, 0, // flow_type UDP_V4_FLOW
		0xf0, 0, 0, 0, 0, 0, 0, 0, // data: RXH_IP_SRC|RXH_IP_DST|RXH_L4_B_0_1|RXH_L4_B_2_3
	})
	if !bytes.Equal(got, want) {
		t.Errorf("SRXFH encoding\n got %x\nwant %x", got, want)
	}
	if rxnfcRuleCnt != 184 || rxnfcSize != 192 {
		t.Errorf("rule_cnt at %d, size %d: want 184 and 192", rxnfcRuleCnt, rxnfcSize)
	}
	got = encodeRxnfc(unix.ETHTOOL_GRXFH, flowTCPv4, 0)
	if got[0] != 0x29 || got[4] != 1 || len(got) != 192 {
		t.Errorf("GRXFH encoding %x", got[:16])
	}
}

// testPlan is a plan of cores cores with a RETA of size entries.
func testPlan(t *testing.T, fields rss.HashFields, size, cores int) *rss.Config {
	t.Helper()
	key := make([]byte, 40)
	for i := range key {
		key[i] = byte(i*37 + 1)
	}
	c := &rss.Config{Key: key, Fields: fields, RETA: rss.RoundRobin(size, cores), Default: true}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPlanDevice(t *testing.T) {
	dev := func(indir, key int) *rxfh {
		r := &rxfh{Hfunc: 2, Indir: make([]uint32, indir), Key: bytes.Repeat([]byte{0x5a}, key)}
		for i := range r.Indir {
			r.Indir[i] = uint32(i % 4)
		}
		return r
	}
	c := testPlan(t, rss.HashIPv4All, 128, 3)
	// A 512-entry table and a 52-byte key: the RETA repeats, the key's tail
	// stays the device's.
	want, flows, err := planDevice(c, 3, 4, dev(512, 52))
	if err != nil {
		t.Fatal(err)
	}
	if want.Hfunc != hashTop || len(want.Indir) != 512 || len(want.Key) != 52 {
		t.Fatalf("planned %+v", want)
	}
	for i, q := range want.Indir {
		if q != uint32(c.RETA[i%128]) {
			t.Fatalf("bucket %d: queue %d, the plan's RETA says %d", i, q, c.RETA[i%128])
		}
	}
	if !bytes.Equal(want.Key[:40], c.Key) || !bytes.Equal(want.Key[40:], bytes.Repeat([]byte{0x5a}, 12)) {
		t.Errorf("key %x", want.Key)
	}
	// Same hash, same worker: the device's bucket is the hash mod 512.
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		h := c.Hash(r.Uint32(), r.Uint32(), uint16(r.Uint32()), uint16(r.Uint32()), true)
		if want.Indir[h%512] != uint32(c.RETA[h%128]) {
			t.Fatalf("hash %#x: device queue %d, plan worker %d", h, want.Indir[h%512], c.RETA[h%128])
		}
	}
	all := uint64(rxhIPSrc | rxhIPDst | rxhL4Src | rxhL4Dst)
	if !slices.Equal(flows, []flowHash{{flowTCPv4, all}, {flowUDPv4, all}}) {
		t.Errorf("flows %+v", flows)
	}
	// Field selection follows the *Only flags.
	_, flows, err = planDevice(testPlan(t, rss.HashIPv4UDP|rss.HashL3DstOnly|rss.HashL4SrcOnly, 128, 3), 3, 4, dev(128, 40))
	if err != nil || !slices.Equal(flows, []flowHash{{flowUDPv4, rxhIPDst | rxhL4Src}}) {
		t.Errorf("UDP, dst address and source port: flows %+v, %v", flows, err)
	}

	// The fallbacks, each with its reason.
	periodic := &rss.Config{Key: c.Key, RETA: rss.RoundRobin(256, 2)} // period 2: folds into 64
	if _, _, err := planDevice(periodic, 2, 2, dev(64, 40)); err != nil {
		t.Errorf("a periodic RETA into a smaller table: %v", err)
	}
	uneven := testPlan(t, rss.HashIPv4All, 256, 3)
	for _, f := range []struct {
		c            *rss.Config
		cores, queue int
		dev          *rxfh
		why          string
	}{
		{c, 3, 2, dev(128, 40), "2 receive queue(s) for 3 cores"},
		{c, 3, 4, dev(0, 40), "no RSS indirection table"},
		{c, 3, 4, dev(96, 40), "not a power of two"},
		{uneven, 3, 4, dev(128, 40), "does not fold"},
		{c, 3, 4, dev(128, 8), "key has 8 bytes"},
		{testPlan(t, rss.HashIPv4, 128, 3), 3, 4, dev(128, 40), "no TCP or UDP ports"},
	} {
		if _, _, err := planDevice(f.c, f.cores, f.queue, f.dev); err == nil || !strings.Contains(err.Error(), f.why) {
			t.Errorf("want a fallback saying %q, got %v", f.why, err)
		}
	}
	if !isDefaultIndir([]uint32{0, 1, 2, 0, 1, 2, 0, 1}, 3) || isDefaultIndir([]uint32{0, 0, 1, 1}, 2) || isDefaultIndir(nil, 2) {
		t.Error("isDefaultIndir")
	}
}

// The steering program on a queue the device steers: untagged TCP and UDP
// frames the plan hashes with ports go to the queue's worker unhashed,
// every other frame is steered by the plan's RSS as before.
func TestSteeringDeviceQueues(t *testing.T) {
	needBPF(t)
	const cores = 3
	cfg := testPlan(t, rss.HashIPv4All, 128, cores)
	disp, err := soft.RSSDispatcher(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	// BPF_PROG_TEST_RUN delivers on queue 0: with the device steering
	// queue 0, device frames go to worker 0.
	s, err := newSteering(cfg, cores, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	r := rand.New(rand.NewPCG(5, 6))
	out := make([]byte, 256)
	var pkt maestro.Packet
	var device, soft int
	for i := range 5000 {
		k := frameKind(r.IntN(int(numKinds)))
		frame := buildFrame(k, r.Uint32(), r.Uint32(), uint16(r.Uint32()), uint16(r.Uint32()), r)
		opts := ebpf.RunOptions{Data: frame, DataOut: out}
		if _, err := s.prog.Run(&opts); err != nil {
			t.Fatalf("BPF_PROG_TEST_RUN: %v", err)
		}
		gotHash := binary.NativeEndian.Uint32(opts.DataOut[0:])
		gotWorker := int(binary.NativeEndian.Uint32(opts.DataOut[4:]))
		pkt.Reset(frame, 0, 0)
		wantHash, wantWorker := uint32(0), 0
		if pkt.IsIPv4() && pkt.HasPorts() && k != kindVLANTCP {
			device++
		} else {
			soft++
			wantWorker = disp(&pkt)
			if pkt.IsIPv4() {
				wantHash = cfg.Hash(pkt.SrcIP, pkt.DstIP, pkt.SrcPort, pkt.DstPort, pkt.HasPorts())
			}
		}
		if gotHash != wantHash || gotWorker != wantWorker {
			t.Fatalf("frame %d (kind %d): hash %#x worker %d, want %#x and %d", i, k, gotHash, gotWorker, wantHash, wantWorker)
		}
	}
	if device == 0 || soft == 0 {
		t.Errorf("%d device-steered and %d XDP-steered frames: both kinds must occur", device, soft)
	}
}

// Veth has no RSS: programDevice says so and leaves it alone, and Run
// states the fallback (the FW tests check that the fallback steers as the
// plan says).
func TestDeviceRSSVeth(t *testing.T) {
	n := xdptest.NewQueues(t, 1, 2)
	err := xdptest.InNetns(n.NF, func() error {
		d, err := programDevice(n.NFIf[0], testPlan(t, rss.HashIPv4All, 128, 2), 2, 2)
		if d != nil || err == nil {
			t.Errorf("veth took the plan's RSS (%v)", err)
			return nil
		}
		if !strings.Contains(err.Error(), "does not support") {
			t.Errorf("veth fallback reason %q: want the driver's EOPNOTSUPP", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := testPlan(t, rss.HashIPv4All, 128, 1)
	b := start(t, n, Config{Mode: Generic, RSS: []rss.Config{*c}}, cross{})
	if len(b.info.DeviceRSS) != 1 || b.info.DeviceRSS[0] {
		t.Errorf("DeviceRSS %v on veth", b.info.DeviceRSS)
	}
	if s := strings.Join(b.info.Notes, "\n"); !strings.Contains(s, "device RSS not programmed") || !strings.Contains(s, "the plan's RSS runs in the XDP program") {
		t.Errorf("notes %q do not state the fallback", s)
	}
	if !strings.Contains(b.info.String(), "the plan's RSS in the XDP program") {
		t.Errorf("run description %q", b.info)
	}
	for _, c := range []struct {
		info Info
		want string
	}{
		{Info{Steered: true, DeviceRSS: []bool{true, true}}, ", device RSS programmed via ethtool (other than"},
		{Info{Steered: true, DeviceRSS: []bool{false, true}}, ", device RSS programmed via ethtool on port(s) 1, elsewhere the plan's RSS in the XDP program"},
		{Info{Steered: true}, ", the plan's RSS in the XDP program"},
		{Info{DeviceRSS: []bool{false}}, ", one worker"},
	} {
		if !strings.Contains(c.info.String(), c.want) {
			t.Errorf("run description %q, want %q in it", c.info, c.want)
		}
	}
}

// Read-only: every interface of the machine's namespace that answers
// ETHTOOL_GRSSH gives an answer that parses consistently (virtio_net does,
// with no table and no key). Nothing is written.
func TestGRSSHHost(t *testing.T) {
	ifs, err := net.Interfaces()
	if err != nil {
		t.Skipf("no interface list: %v", err)
	}
	answered := 0
	for _, ifi := range ifs {
		r, err := getRxfh(ifi.Name)
		if err != nil {
			if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.EPERM) {
				t.Errorf("%s: %v", ifi.Name, err)
			}
			continue
		}
		answered++
		queues := rxQueues(ifi.Name)
		t.Logf("%s: hfunc %#x, input_xfrm %#x, %d-entry table, %d-byte key, %d queues", ifi.Name, r.Hfunc, r.InputXfrm, len(r.Indir), len(r.Key), queues)
		if r.Hfunc&(r.Hfunc-1) != 0 {
			t.Errorf("%s: hash function %#x is not one ETH_RSS_HASH_* bit", ifi.Name, r.Hfunc)
		}
		for i, q := range r.Indir {
			if int(q) >= queues {
				t.Errorf("%s: bucket %d names queue %d of %d", ifi.Name, i, q, queues)
			}
		}
		for _, flow := range []uint32{flowTCPv4, flowUDPv4} {
			d, err := getFlowHash(ifi.Name, flow)
			if err == nil && d&^(rxhFields|1<<1|1<<2|1<<3) != 0 {
				t.Errorf("%s: %s hash fields %#x: unknown bits", ifi.Name, flowName(flow), d)
			}
		}
	}
	if answered == 0 {
		t.Skip("no interface of this machine answers ETHTOOL_GRSSH")
	}
}
