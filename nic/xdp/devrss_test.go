//go:build linux

package xdp

import (
	"bytes"
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nfmaestro/maestro/nic/rss"
)

// modelDev models the kernel's side of the four ethtool commands for one
// device (net/ethtool/ioctl.c: ethtool_get_rxfh, ethtool_set_rxfh,
// ethtool_{get,set}_rxfh_fields), so that programDevice and restore run
// end to end without a NIC that takes an RSS configuration.
type modelDev struct {
	rings      int
	hfunc      uint8
	xfrm       uint8
	indir      []uint32
	key        []byte
	flows      map[uint32]uint64
	configured bool // IFF_RXFH_CONFIGURED: the table was set explicitly

	refuse     uint32 // a command answered EOPNOTSUPP
	dropKey    bool   // accepts a key without storing it
	setCommand []uint32
}

func (d *modelDev) ioctl(_ string, b []byte) error {
	ne := binary.NativeEndian
	cmd := ne.Uint32(b)
	if cmd == d.refuse {
		return unix.EOPNOTSUPP
	}
	switch cmd {
	case unix.ETHTOOL_GRSSH:
		ui, uk := ne.Uint32(b[rxfhIndirSize:]), ne.Uint32(b[rxfhKeySize:])
		ne.PutUint32(b[rxfhIndirSize:], uint32(len(d.indir)))
		ne.PutUint32(b[rxfhKeySize:], uint32(len(d.key)))
		if ui != 0 && int(ui) != len(d.indir) || uk != 0 && int(uk) != len(d.key) {
			return unix.EINVAL
		}
		b[rxfhHfunc], b[rxfhInputXfrm] = d.hfunc, d.xfrm
		if ui != 0 {
			for i, q := range d.indir {
				ne.PutUint32(b[rxfhHeaderSize+4*i:], q)
			}
		}
		if uk != 0 {
			copy(b[rxfhHeaderSize+4*int(ui):], d.key)
		}
	case unix.ETHTOOL_SRSSH:
		d.setCommand = append(d.setCommand, cmd)
		n, k := ne.Uint32(b[rxfhIndirSize:]), ne.Uint32(b[rxfhKeySize:])
		if n != 0 && n != indirNoChange && int(n) != len(d.indir) || k != 0 && int(k) != len(d.key) {
			return unix.EINVAL
		}
		indir := slices.Clone(d.indir)
		switch n {
		case indirNoChange:
		case 0:
			for i := range indir {
				indir[i] = uint32(i % d.rings)
			}
		default:
			for i := range indir {
				if indir[i] = ne.Uint32(b[rxfhHeaderSize+4*i:]); int(indir[i]) >= d.rings {
					return unix.EINVAL
				}
			}
		}
		d.indir, d.configured = indir, n != 0 && n != indirNoChange || n == indirNoChange && d.configured
		if k != 0 && !d.dropKey {
			off := 0
			if n != indirNoChange {
				off = 4 * int(n)
			}
			copy(d.key, b[rxfhHeaderSize+off:])
		}
		if b[rxfhHfunc] != 0 {
			d.hfunc = b[rxfhHfunc]
		}
		if b[rxfhInputXfrm] != 0xff {
			d.xfrm = b[rxfhInputXfrm]
		}
	case unix.ETHTOOL_GRXFH:
		ne.PutUint64(b[rxnfcData:], d.flows[ne.Uint32(b[rxnfcFlowType:])])
	case unix.ETHTOOL_SRXFH:
		d.setCommand = append(d.setCommand, cmd)
		d.flows[ne.Uint32(b[rxnfcFlowType:])] = ne.Uint64(b[rxnfcData:])
	default:
		return unix.EOPNOTSUPP
	}
	return nil
}

// newModelDev is a device of 4 rings, a default 128-entry table, a 52-byte
// key, the XOR function, and TCP/UDP hashed over addresses only.
func newModelDev() *modelDev {
	d := &modelDev{rings: 4, hfunc: 2, indir: make([]uint32, 128), key: bytes.Repeat([]byte{0x6d}, 52),
		flows: map[uint32]uint64{flowTCPv4: rxhIPSrc | rxhIPDst, flowUDPv4: rxhIPSrc | rxhIPDst}}
	for i := range d.indir {
		d.indir[i] = uint32(i % 4)
	}
	return d
}

func (d *modelDev) clone() *modelDev {
	c := *d
	c.indir, c.key, c.flows = slices.Clone(d.indir), slices.Clone(d.key), maps.Clone(d.flows)
	return &c
}

func (d *modelDev) same(o *modelDev) bool {
	return d.hfunc == o.hfunc && d.xfrm == o.xfrm && d.configured == o.configured &&
		slices.Equal(d.indir, o.indir) && bytes.Equal(d.key, o.key) && maps.Equal(d.flows, o.flows)
}

func useModel(t *testing.T, d *modelDev) {
	t.Cleanup(func() { ethtool = ethtoolIoctl })
	ethtool = d.ioctl
}

// Programming, read-back and restore against the model: the device holds
// the plan while the run lasts, and exactly its old configuration after.
func TestProgramDeviceModel(t *testing.T) {
	d := newModelDev()
	d.xfrm = 1 // symmetric-xor: switched off while the plan runs
	before := d.clone()
	useModel(t, d)
	plan := testPlan(t, rss.HashIPv4All, 64, 3)
	dev, err := programDevice("eth9", plan, 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	if d.hfunc != hashTop || d.xfrm != 0 || !bytes.Equal(d.key[:40], plan.Key) || !bytes.Equal(d.key[40:], before.key[40:]) {
		t.Errorf("device holds hfunc %d, xfrm %d, key %x", d.hfunc, d.xfrm, d.key)
	}
	for i, q := range d.indir {
		if q != uint32(plan.RETA[i%64]) {
			t.Fatalf("bucket %d: queue %d, plan %d", i, q, plan.RETA[i%64])
		}
	}
	all := uint64(rxhIPSrc | rxhIPDst | rxhL4Src | rxhL4Dst)
	if d.flows[flowTCPv4] != all || d.flows[flowUDPv4] != all {
		t.Errorf("flows %v", d.flows)
	}
	if err := dev.restore(); err != nil {
		t.Fatal(err)
	}
	if !d.same(before) {
		t.Errorf("after restore the device is %+v, was %+v", d, before)
	}

	// An explicitly set table is restored explicitly (it stays "configured").
	d.indir[5], d.configured = 0, true
	before = d.clone()
	if dev, err = programDevice("eth9", plan, 3, 4); err != nil {
		t.Fatal(err)
	}
	if err := dev.restore(); err != nil {
		t.Fatal(err)
	}
	if !d.same(before) {
		t.Errorf("after restore the device is %+v, was %+v", d, before)
	}
}

// A device that refuses a step or reads back something else is left as it
// was, and the reason is said.
func TestProgramDeviceModelFallback(t *testing.T) {
	plan := testPlan(t, rss.HashIPv4All, 128, 2)
	for _, c := range []struct {
		name  string
		tweak func(*modelDev)
		why   string
	}{
		{"no GRSSH", func(d *modelDev) { d.refuse = unix.ETHTOOL_GRSSH }, "reading its RSS configuration: the driver does not support it"},
		{"no SRSSH", func(d *modelDev) { d.refuse = unix.ETHTOOL_SRSSH }, "setting key, Toeplitz and indirection table: the driver does not support it"},
		{"no SRXFH", func(d *modelDev) { d.refuse = unix.ETHTOOL_SRXFH }, "setting the tcp4 hash fields 0xf0: the driver does not support it"},
		{"key ignored", func(d *modelDev) { d.dropKey = true }, "reads back another key"},
		{"one ring", func(d *modelDev) { d.rings = 1 }, "1 receive queue(s) for 2 cores"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newModelDev()
			c.tweak(d)
			before := d.clone()
			useModel(t, d)
			queues := d.rings
			dev, err := programDevice("eth9", plan, 2, queues)
			if dev != nil || err == nil || !strings.Contains(err.Error(), c.why) || strings.Contains(err.Error(), "restoring it failed") {
				t.Fatalf("got %v, %v; want a fallback saying %q, restored", dev, err, c.why)
			}
			if !d.same(before) {
				t.Errorf("after the fallback the device is %+v, was %+v", d, before)
			}
		})
	}
}
