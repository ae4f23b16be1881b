//go:build linux

package xdp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The ethtool ioctl interface (include/uapi/linux/ethtool.h), encoded by
// hand in the host's byte order: x/sys/unix has the command numbers but
// not these structures.
const (
	// struct ethtool_rxfh: cmd, rss_context, indir_size, key_size (u32
	// each), hfunc, input_xfrm (u8 each), rsvd8[2], rsvd32, then
	// rss_config[]: the indirection table (u32 each), then the key.
	rxfhCmd        = 0
	rxfhContext    = 4
	rxfhIndirSize  = 8
	rxfhKeySize    = 12
	rxfhHfunc      = 16
	rxfhInputXfrm  = 17
	rxfhRsvd8      = 18
	rxfhRsvd32     = 20
	rxfhHeaderSize = 24
	indirNoChange  = 0xffffffff // ETH_RXFH_INDIR_NO_CHANGE

	// struct ethtool_rxnfc: cmd, flow_type (u32), data (u64), fs (struct
	// ethtool_rx_flow_spec, 168 bytes), rule_cnt/rss_context (u32),
	// padded to 8 bytes. ETHTOOL_GRXFH and SRXFH read only the first
	// three fields (the structure's original definition); the whole
	// structure is passed anyway.
	rxnfcCmd      = 0
	rxnfcFlowType = 4
	rxnfcData     = 8
	rxnfcFS       = 16
	rxnfcFSSize   = 168
	rxnfcRuleCnt  = rxnfcFS + rxnfcFSSize
	rxnfcSize     = 192

	// hashTop is ETH_RSS_HASH_TOP, the Toeplitz hash function (bit 0 of the
	// ETH_SS_RSS_HASH_FUNCS string set); 0 is ETH_RSS_HASH_NO_CHANGE.
	hashTop = 1

	flowTCPv4 = 0x01 // TCP_V4_FLOW
	flowUDPv4 = 0x02 // UDP_V4_FLOW

	rxhIPSrc  = 1 << 4 // RXH_IP_SRC
	rxhIPDst  = 1 << 5 // RXH_IP_DST
	rxhL4Src  = 1 << 6 // RXH_L4_B_0_1: the source port
	rxhL4Dst  = 1 << 7 // RXH_L4_B_2_3: the destination port
	rxhFields = rxhIPSrc | rxhIPDst | rxhL4Src | rxhL4Dst

	// maxIndir and maxKey bound what a device may claim, so that a bad
	// answer cannot make us allocate without limit.
	maxIndir = 1 << 16
	maxKey   = 1 << 10
)

// rxfh is the RSS configuration of a device's default context, as
// ETHTOOL_GRSSH reports it and ETHTOOL_SRSSH sets it.
type rxfh struct {
	Hfunc     uint8    // ETH_RSS_HASH_* bit; 0: no change (set)
	InputXfrm uint8    // RXH_XFRM_*: 0, none
	Indir     []uint32 // bucket -> receive queue; nil: no change (set)
	// IndirDefault (set) resets the table to the kernel's default spread.
	IndirDefault bool
	Key          []byte // nil: no change (set)
}

// encodeRxfh encodes r as a struct ethtool_rxfh for cmd, with its
// indirection table and key in rss_config.
func encodeRxfh(cmd uint32, r *rxfh) []byte {
	b := make([]byte, rxfhHeaderSize+4*len(r.Indir)+len(r.Key))
	ne := binary.NativeEndian
	ne.PutUint32(b[rxfhCmd:], cmd)
	ne.PutUint32(b[rxfhIndirSize:], uint32(len(r.Indir)))
	if cmd == unix.ETHTOOL_SRSSH && r.Indir == nil && !r.IndirDefault {
		ne.PutUint32(b[rxfhIndirSize:], indirNoChange)
	}
	ne.PutUint32(b[rxfhKeySize:], uint32(len(r.Key)))
	b[rxfhHfunc] = r.Hfunc
	b[rxfhInputXfrm] = r.InputXfrm
	for i, q := range r.Indir {
		ne.PutUint32(b[rxfhHeaderSize+4*i:], q)
	}
	copy(b[rxfhHeaderSize+4*len(r.Indir):], r.Key)
	return b
}

// decodeRxfh decodes the answer to ETHTOOL_GRSSH into r: the sizes it
// reports, and the table and key if the request asked for them.
func decodeRxfh(b []byte) (r rxfh, indirSize, keySize uint32, err error) {
	if len(b) < rxfhHeaderSize {
		return r, 0, 0, fmt.Errorf("ethtool_rxfh of %d bytes", len(b))
	}
	ne := binary.NativeEndian
	indirSize = ne.Uint32(b[rxfhIndirSize:])
	keySize = ne.Uint32(b[rxfhKeySize:])
	r.Hfunc = b[rxfhHfunc]
	r.InputXfrm = b[rxfhInputXfrm]
	rest := b[rxfhHeaderSize:]
	if len(rest) == 0 {
		return r, indirSize, keySize, nil
	}
	if uint64(len(rest)) != 4*uint64(indirSize)+uint64(keySize) {
		return r, indirSize, keySize, fmt.Errorf("ethtool_rxfh: %d bytes of table and key for sizes %d and %d", len(rest), indirSize, keySize)
	}
	r.Indir = make([]uint32, indirSize)
	for i := range r.Indir {
		r.Indir[i] = ne.Uint32(rest[4*i:])
	}
	r.Key = append([]byte(nil), rest[4*indirSize:]...)
	return r, indirSize, keySize, nil
}

// encodeRxnfc encodes a struct ethtool_rxnfc for ETHTOOL_GRXFH or SRXFH.
func encodeRxnfc(cmd, flowType uint32, data uint64) []byte {
	b := make([]byte, rxnfcSize)
	ne := binary.NativeEndian
	ne.PutUint32(b[rxnfcCmd:], cmd)
	ne.PutUint32(b[rxnfcFlowType:], flowType)
	ne.PutUint64(b[rxnfcData:], data)
	return b
}

// ethtool issues an ethtool command; tests replace it with a model of the
// kernel's side to check programming, read-back and restore end to end.
var ethtool = ethtoolIoctl

// ethtoolIoctl issues SIOCETHTOOL on the interface name with buf as the
// command, in the calling thread's network namespace.
func ethtoolIoctl(name string, buf []byte) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var ifr struct {
		name [unix.IFNAMSIZ]byte
		data unsafe.Pointer
		_    [16]byte
	}
	copy(ifr.name[:unix.IFNAMSIZ-1], name)
	ifr.data = unsafe.Pointer(&buf[0])
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr)))
	runtime.KeepAlive(buf)
	if e != 0 {
		return e
	}
	return nil
}

// getRxfh reads the device's RSS configuration: the sizes first, then the
// table and key.
func getRxfh(name string) (rxfh, error) {
	b := encodeRxfh(unix.ETHTOOL_GRSSH, &rxfh{})
	if err := ethtool(name, b); err != nil {
		return rxfh{}, fmt.Errorf("ETHTOOL_GRSSH: %w", err)
	}
	_, n, k, err := decodeRxfh(b)
	if err != nil {
		return rxfh{}, err
	}
	if n > maxIndir || k > maxKey {
		return rxfh{}, fmt.Errorf("ETHTOOL_GRSSH: implausible sizes: indirection table %d, key %d", n, k)
	}
	b = encodeRxfh(unix.ETHTOOL_GRSSH, &rxfh{Indir: make([]uint32, n), Key: make([]byte, k)})
	if err := ethtool(name, b); err != nil {
		return rxfh{}, fmt.Errorf("ETHTOOL_GRSSH: %w", err)
	}
	r, n2, k2, err := decodeRxfh(b)
	if err == nil && (n2 != n || k2 != k) {
		err = fmt.Errorf("ETHTOOL_GRSSH: the sizes changed between two calls")
	}
	return r, err
}

// setRxfh sets the device's RSS configuration.
func setRxfh(name string, r *rxfh) error {
	if err := ethtool(name, encodeRxfh(unix.ETHTOOL_SRSSH, r)); err != nil {
		return fmt.Errorf("ETHTOOL_SRSSH: %w", err)
	}
	return nil
}

// getFlowHash returns the RXH_* fields the device hashes for flowType.
func getFlowHash(name string, flowType uint32) (uint64, error) {
	b := encodeRxnfc(unix.ETHTOOL_GRXFH, flowType, 0)
	if err := ethtool(name, b); err != nil {
		return 0, fmt.Errorf("ETHTOOL_GRXFH: %w", err)
	}
	return binary.NativeEndian.Uint64(b[rxnfcData:]), nil
}

// setFlowHash sets the RXH_* fields the device hashes for flowType.
func setFlowHash(name string, flowType uint32, data uint64) error {
	if err := ethtool(name, encodeRxnfc(unix.ETHTOOL_SRXFH, flowType, data)); err != nil {
		return fmt.Errorf("ETHTOOL_SRXFH: %w", err)
	}
	return nil
}

// whyNot turns an ethtool error into the reason the device's RSS is not
// used.
func whyNot(err error) string {
	switch {
	case errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Sprintf("the driver does not support it (%v)", err)
	case isPerm(err):
		return fmt.Sprintf("not permitted (%v): needs CAP_NET_ADMIN", err)
	}
	return err.Error()
}
