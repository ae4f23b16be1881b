//go:build linux

package xdp

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/nfmaestro/maestro/nic/rss"
)

// MaxRETA is the largest RETA the XDP program holds (the NIC profiles of
// nic/rss go up to 512 entries).
const MaxRETA = 4096

// MetaLen is the length of the XDP metadata the program writes in front of
// every frame it redirects: the Toeplitz hash and the worker, two native-
// endian uint32s.
const MetaLen = 8

// Layout of the steering configuration, the single value of an array map.
const (
	offTables = 0                              // [rss.InputLen][256]uint32: Toeplitz contribution of byte i with value v
	offFields = offTables + rss.InputLen*256*4 // uint32: rss.HashFields
	offMask   = offFields + 4                  // uint32: len(RETA)-1
	offRETA   = offMask + 4                    // [MaxRETA]uint32: bucket -> worker
	offDevice = offRETA + MaxRETA*4            // uint32: queues below it are steered by the device's RSS
	cfgSize   = offDevice + 4
)

// Stack slots of the 12-byte hash input (source address, destination
// address, source port, destination port, as on the wire).
const stackIn = -16

// steeringConfig encodes one port's RSS configuration as the program's map
// value. A nil configuration (a port without one) hashes nothing and sends
// every frame to worker 0, as the software backend does. On receive queues
// below device, the device's RSS was programmed to the plan (see
// programDevice): TCP and UDP frames the plan hashes with their ports are
// already on the queue numbered as their worker.
func steeringConfig(c *rss.Config, cores, device int) ([]byte, error) {
	v := make([]byte, cfgSize)
	if c == nil {
		return v, nil
	}
	n := len(c.RETA)
	if n == 0 || n&(n-1) != 0 || n > MaxRETA {
		return nil, fmt.Errorf("RETA of %d entries (want a power of two up to %d)", n, MaxRETA)
	}
	if _, err := rss.NewHasher(c.Key); err != nil {
		return nil, err
	}
	// The hash is linear: the hash of the input is the XOR of the hashes of
	// each byte in its position, others zero. The tables are indexed by the
	// byte's place in the 4-tuple (src, dst, sport, dport), and c.Hash with
	// one non-zero byte yields exactly its contribution under the port's
	// field selection (c.Fields): zero for a field the port does not hash,
	// the window at the field's place in the concatenated input otherwise.
	// Ports come last in every selection, so a packet without ports (the
	// program zeroes them) hashes its addresses only, as the NIC does.
	for i := range rss.InputLen {
		for b := range 256 {
			var in [rss.InputLen]byte
			in[i] = byte(b)
			src := binary.BigEndian.Uint32(in[0:4])
			dst := binary.BigEndian.Uint32(in[4:8])
			sp := binary.BigEndian.Uint16(in[8:10])
			dp := binary.BigEndian.Uint16(in[10:12])
			binary.NativeEndian.PutUint32(v[offTables+(i*256+b)*4:], c.Hash(src, dst, sp, dp, true))
		}
	}
	f := c.Fields
	if f == 0 {
		f = rss.HashIPv4All // as soft.RSSDispatcher: a port with RSS hashes every IPv4 type
	}
	binary.NativeEndian.PutUint32(v[offFields:], uint32(f))
	binary.NativeEndian.PutUint32(v[offMask:], uint32(n-1))
	binary.NativeEndian.PutUint32(v[offDevice:], uint32(device))
	for i, q := range c.RETA {
		if int(q) >= cores {
			return nil, fmt.Errorf("RETA entry %d names queue %d, but there are %d cores", i, q, cores)
		}
		binary.NativeEndian.PutUint32(v[offRETA+i*4:], uint32(q))
	}
	return v, nil
}

// steering is one port's XDP program with its maps.
type steering struct {
	cfg  *ebpf.Map // array, one entry: the steering configuration
	xsks *ebpf.Map // XSKMAP: rx queue -> socket
	prog *ebpf.Program
}

// newSteering loads the steering program for a port with queues receive
// queues, configured with c (nil: no RSS, every frame to worker 0), the
// device steering its queues below device.
func newSteering(c *rss.Config, cores, queues, device int) (*steering, error) {
	val, err := steeringConfig(c, cores, device)
	if err != nil {
		return nil, err
	}
	s := &steering{}
	s.cfg, err = ebpf.NewMap(&ebpf.MapSpec{Name: "maestro_rss", Type: ebpf.Array, KeySize: 4, ValueSize: cfgSize, MaxEntries: 1})
	if err != nil {
		return nil, fmt.Errorf("creating the RSS map: %w", explain(err))
	}
	if err := s.cfg.Put(uint32(0), val); err != nil {
		s.close()
		return nil, fmt.Errorf("filling the RSS map: %w", err)
	}
	s.xsks, err = ebpf.NewMap(&ebpf.MapSpec{Name: "maestro_xsks", Type: ebpf.XSKMap, KeySize: 4, ValueSize: 4, MaxEntries: uint32(max(queues, 1))})
	if err != nil {
		s.close()
		return nil, fmt.Errorf("creating the XSKMAP: %w", explain(err))
	}
	s.prog, err = ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "maestro_steer", Type: ebpf.XDP, License: "Dual MIT/GPL",
		Instructions: program(s.cfg.FD(), s.xsks.FD()),
	})
	if err != nil {
		s.close()
		return nil, fmt.Errorf("loading the steering program: %w", explain(err))
	}
	return s, nil
}

func (s *steering) close() {
	for _, c := range []interface{ Close() error }{s.prog, s.xsks, s.cfg} {
		if c != nil && !isNilCloser(c) {
			c.Close()
		}
	}
}

func isNilCloser(c interface{ Close() error }) bool {
	switch v := c.(type) {
	case *ebpf.Program:
		return v == nil
	case *ebpf.Map:
		return v == nil
	}
	return false
}

// explain adds the likely cause to a permission error.
func explain(err error) error {
	if errors.Is(err, ebpf.ErrNotSupported) {
		return fmt.Errorf("%w (the kernel lacks this BPF feature)", err)
	}
	if isPerm(err) {
		return fmt.Errorf("%w: needs root or CAP_BPF and CAP_NET_ADMIN", err)
	}
	return err
}

// xdp_md field offsets and XDP actions.
const (
	mdData      = 0
	mdDataEnd   = 4
	mdDataMeta  = 8
	mdRxQueue   = 16
	xdpAborted  = 0
	xdpDrop     = 1
	etherIPv4LE = 0x0008 // 0x0800 as a little-endian load of the wire bytes
	etherVLANLE = 0x0081 // 0x8100
)

// program returns the steering program. Registers: R6 ctx, R7 data, R8
// data_end, R9 data_meta, R5 the IPv4 header, R2 the L4 header, R1 IHL,
// R3 total length then L4 length, R4 scratch, R0 the hash.
//
// It follows maestro.Packet's parse rule for rule: an Ethernet frame
// (optionally one 802.1Q tag) with a well-formed IPv4 header (version 4,
// IHL >= 20 within the frame, IHL <= total length <= frame) is hashed; its
// TCP (complete header, data offset within the segment) or UDP (8 bytes)
// ports are hashed unless it is a fragment or its protocol's field is off;
// otherwise its 2-tuple is hashed if the IPv4 field is on; anything else
// hashes to 0 (RETA[0]). A frame whose ports are hashed, without a VLAN
// tag, on a queue the device steers (below the configuration's device
// count) is not hashed: its worker is its queue, and its metadata hash 0.
func program(cfgFD, xsksFD int) asm.Instructions {
	const (
		ctx, data, end, meta  = asm.R6, asm.R7, asm.R8, asm.R9
		l3, l4, ihl, tot, tmp = asm.R5, asm.R2, asm.R1, asm.R3, asm.R4
	)
	beLoad16 := func(dst, src asm.Register, off int16) asm.Instructions {
		return asm.Instructions{asm.LoadMem(dst, src, off, asm.Half), asm.HostTo(asm.BE, dst, asm.Half)}
	}
	// fieldOff jumps to label unless the configuration has field f; sym
	// names its first instruction.
	fieldOff := func(f rss.HashFields, label, sym string) asm.Instructions {
		return asm.Instructions{
			asm.LoadMapValue(asm.R0, cfgFD, offFields).WithSymbol(sym),
			asm.LoadMem(asm.R0, asm.R0, 0, asm.Word),
			asm.And.Imm(asm.R0, int32(f)),
			asm.JEq.Imm(asm.R0, 0, label),
		}
	}
	var p asm.Instructions
	add := func(is ...asm.Instruction) { p = append(p, is...) }
	addAll := func(is asm.Instructions) { p = append(p, is...) }

	add(
		asm.Mov.Reg(ctx, asm.R1),
		asm.Mov.Imm(asm.R2, -MetaLen),
		asm.FnXdpAdjustMeta.Call(),
		asm.JNE.Imm(asm.R0, 0, "aborted"),
		asm.LoadMem(data, ctx, mdData, asm.Word),
		asm.LoadMem(end, ctx, mdDataEnd, asm.Word),
		asm.LoadMem(meta, ctx, mdDataMeta, asm.Word),
		asm.Mov.Reg(tmp, meta),
		asm.Add.Imm(tmp, MetaLen),
		asm.JGT.Reg(tmp, data, "aborted"),
		// Zero the hash input: fields not hashed count as zero.
		asm.Mov.Imm(tmp, 0),
		asm.StoreMem(asm.RFP, stackIn, tmp, asm.DWord),
		asm.StoreMem(asm.RFP, stackIn+8, tmp, asm.Word),
		// Ethernet, optional 802.1Q tag.
		asm.Mov.Reg(l3, data),
		asm.Add.Imm(l3, 14),
		asm.JGT.Reg(l3, end, "nonip"),
		asm.LoadMem(tmp, data, 12, asm.Half),
		asm.JNE.Imm(tmp, etherVLANLE, "ethertype"),
		asm.Mov.Reg(l3, data),
		asm.Add.Imm(l3, 18),
		asm.JGT.Reg(l3, end, "nonip"),
		asm.LoadMem(tmp, data, 16, asm.Half),
		asm.JNE.Imm(tmp, etherIPv4LE, "nonip").WithSymbol("ethertype"),
		// IPv4 header.
		asm.Mov.Reg(tmp, l3),
		asm.Add.Imm(tmp, 20),
		asm.JGT.Reg(tmp, end, "nonip"),
		asm.LoadMem(ihl, l3, 0, asm.Byte),
		asm.Mov.Reg(tmp, ihl),
		asm.RSh.Imm(tmp, 4),
		asm.JNE.Imm(tmp, 4, "nonip"),
		asm.And.Imm(ihl, 0x0f),
		asm.LSh.Imm(ihl, 2),
		asm.JLT.Imm(ihl, 20, "nonip"),
		asm.Mov.Reg(l4, l3),
		asm.Add.Reg(l4, ihl),
		asm.JGT.Reg(l4, end, "nonip"),
	)
	addAll(beLoad16(tot, l3, 2))
	add(
		asm.JLT.Reg(tot, ihl, "nonip"),
		asm.Mov.Reg(tmp, l3),
		asm.Add.Reg(tmp, tot),
		asm.JGT.Reg(tmp, end, "nonip"),
		// A well-formed IPv4 header: the addresses are hashed.
		asm.LoadMem(tmp, l3, 12, asm.Word),
		asm.StoreMem(asm.RFP, stackIn, tmp, asm.Word),
		asm.LoadMem(tmp, l3, 16, asm.Word),
		asm.StoreMem(asm.RFP, stackIn+4, tmp, asm.Word),
	)
	addAll(beLoad16(tmp, l3, 6))
	add(
		asm.And.Imm(tmp, 0x3fff),
		asm.JNE.Imm(tmp, 0, "two"),
		asm.Sub.Reg(tot, ihl), // L4 length
		asm.LoadMem(tmp, l3, 9, asm.Byte),
		asm.JEq.Imm(tmp, 6, "tcp"),
		asm.JEq.Imm(tmp, 17, "udp"),
		asm.Ja.Label("two"),
	)
	// TCP: a complete header whose data offset lies within the segment.
	add(asm.JLT.Imm(tot, 20, "two").WithSymbol("tcp"),
		asm.Mov.Reg(tmp, l4),
		asm.Add.Imm(tmp, 20),
		asm.JGT.Reg(tmp, end, "two"),
		asm.LoadMem(tmp, l4, 12, asm.Byte),
		asm.RSh.Imm(tmp, 4),
		asm.LSh.Imm(tmp, 2),
		asm.JLT.Imm(tmp, 20, "two"),
		asm.JGT.Reg(tmp, tot, "two"),
	)
	addAll(fieldOff(rss.HashIPv4TCP, "two", "tcp-on"))
	add(asm.Ja.Label("ports"))
	// UDP: an 8-byte header.
	add(asm.JLT.Imm(tot, 8, "two").WithSymbol("udp"),
		asm.Mov.Reg(tmp, l4),
		asm.Add.Imm(tmp, 8),
		asm.JGT.Reg(tmp, end, "two"),
	)
	addAll(fieldOff(rss.HashIPv4UDP, "two", "udp-on"))
	add(
		asm.LoadMem(tmp, l4, 0, asm.Word).WithSymbol("ports"),
		asm.StoreMem(asm.RFP, stackIn+8, tmp, asm.Word),
		// Steered by the device already? Untagged (the IPv4 header right
		// after the Ethernet header), on a queue the device steers.
		asm.Mov.Reg(asm.R1, l3),
		asm.Sub.Reg(asm.R1, data),
		asm.JNE.Imm(asm.R1, 14, "hash"),
		asm.LoadMem(asm.R2, ctx, mdRxQueue, asm.Word),
		asm.LoadMapValue(asm.R1, cfgFD, offDevice),
		asm.LoadMem(asm.R1, asm.R1, 0, asm.Word),
		asm.JGE.Reg(asm.R2, asm.R1, "hash"),
		asm.Mov.Imm(asm.R0, 0),
		asm.Mov.Reg(tmp, asm.R2),
		asm.Ja.Label("meta"),
	)
	// Any other IPv4 frame: the 2-tuple, if the IPv4 field is on.
	addAll(fieldOff(rss.HashIPv4, "nonip", "two"))
	add(asm.Ja.Label("hash"))
	// Not hashed: hash 0.
	add(
		asm.Mov.Imm(asm.R0, 0).WithSymbol("nonip"),
		asm.Ja.Label("reta"),
	)
	// hash = XOR over i of table[i][input[i]].
	add(asm.Mov.Imm(asm.R0, 0).WithSymbol("hash"))
	for i := range rss.InputLen {
		add(
			asm.LoadMem(tmp, asm.RFP, int16(stackIn+i), asm.Byte),
			asm.LSh.Imm(tmp, 2),
			asm.LoadMapValue(asm.R1, cfgFD, 0),
			asm.Add.Reg(asm.R1, tmp),
			asm.LoadMem(tmp, asm.R1, int16(offTables+i*1024), asm.Word),
			asm.Xor.Reg(asm.R0, tmp),
		)
	}
	// worker = RETA[hash & mask]; metadata = {hash, worker}.
	add(
		asm.LoadMapValue(asm.R1, cfgFD, 0).WithSymbol("reta"),
		asm.LoadMem(tmp, asm.R1, offMask, asm.Word),
		asm.And.Reg(tmp, asm.R0),
		asm.And.Imm(tmp, MaxRETA-1),
		asm.LSh.Imm(tmp, 2),
		asm.Add.Reg(asm.R1, tmp),
		asm.LoadMem(tmp, asm.R1, offRETA, asm.Word),
		asm.StoreMem(meta, 0, asm.R0, asm.Word).WithSymbol("meta"),
		asm.StoreMem(meta, 4, tmp, asm.Word),
		// To the XSK of the frame's receive queue; dropped if none.
		asm.LoadMapPtr(asm.R1, xsksFD),
		asm.LoadMem(asm.R2, ctx, mdRxQueue, asm.Word),
		asm.Mov.Imm(asm.R3, xdpDrop),
		asm.FnRedirectMap.Call(),
		asm.Return(),
		asm.Mov.Imm(asm.R0, xdpAborted).WithSymbol("aborted"),
		asm.Return(),
	)
	return p
}
