//go:build linux

package xdp

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/nfmaestro/maestro/nic/rss"
)

// flowHash is the hash field set of one flow type.
type flowHash struct {
	flow uint32 // TCP_V4_FLOW or UDP_V4_FLOW
	data uint64 // RXH_* bits
}

func flowName(flow uint32) string {
	if flow == flowTCPv4 {
		return "tcp4"
	}
	return "udp4"
}

// rxhData returns the RXH_* bits of the fields a port configured with f
// hashes in a TCP or UDP packet.
func rxhData(f rss.HashFields) uint64 {
	s := f.Hashed()
	var d uint64
	for _, m := range []struct {
		f   rss.Field
		rxh uint64
	}{{rss.SrcIP, rxhIPSrc}, {rss.DstIP, rxhIPDst}, {rss.SrcPort, rxhL4Src}, {rss.DstPort, rxhL4Dst}} {
		if s.Has(m.f) {
			d |= m.rxh
		}
	}
	return d
}

// planDevice works out the device configuration that makes the device's
// RSS send every TCP and UDP packet over IPv4 that the plan c hashes with
// its ports to the receive queue numbered as the core the plan gives it:
// the Toeplitz function, the plan's key (bytes past what the IPv4 hash
// reads are left as the device has them, so the key fits any key size), the
// plan's RETA repeated over the device's indirection table, and the plan's
// field set for the flow types it hashes with ports. cur is the device's
// configuration; the error says why the plan cannot be programmed.
func planDevice(c *rss.Config, cores, queues int, cur *rxfh) (rxfh, []flowHash, error) {
	if queues < cores {
		return rxfh{}, nil, fmt.Errorf("the device has %d receive queue(s) for %d cores", queues, cores)
	}
	n, p := len(cur.Indir), len(c.RETA)
	if n == 0 {
		return rxfh{}, nil, errors.New("the device has no RSS indirection table")
	}
	if n&(n-1) != 0 {
		return rxfh{}, nil, fmt.Errorf("the device's indirection table of %d entries is not a power of two", n)
	}
	if p == 0 {
		return rxfh{}, nil, errors.New("the plan has an empty RETA")
	}
	indir := make([]uint32, n)
	for i := range indir {
		indir[i] = uint32(c.RETA[i%p])
	}
	// Bucket hash mod n on the device must give the plan's hash mod p for
	// every hash: the tables agree wherever their indexes meet.
	for i := range max(n, p) {
		if uint32(c.RETA[i%p]) != indir[i%n] {
			return rxfh{}, nil, fmt.Errorf("the plan's RETA of %d entries does not fold into the device's indirection table of %d", p, n)
		}
	}
	if len(cur.Key) < rss.MinKeyLen {
		return rxfh{}, nil, fmt.Errorf("the device's key has %d bytes, the IPv4 hash reads %d", len(cur.Key), rss.MinKeyLen)
	}
	if len(c.Key) < rss.MinKeyLen {
		return rxfh{}, nil, fmt.Errorf("the plan's key has %d bytes, the IPv4 hash reads %d", len(c.Key), rss.MinKeyLen)
	}
	key := bytes.Clone(cur.Key)
	copy(key, c.Key)
	f := c.Fields
	if f == 0 {
		f = rss.HashIPv4All
	}
	var flows []flowHash
	if d := rxhData(f); d != 0 {
		if f&rss.HashIPv4TCP != 0 {
			flows = append(flows, flowHash{flowTCPv4, d})
		}
		if f&rss.HashIPv4UDP != 0 {
			flows = append(flows, flowHash{flowUDPv4, d})
		}
	}
	if len(flows) == 0 {
		return rxfh{}, nil, errors.New("the plan hashes no TCP or UDP ports")
	}
	return rxfh{Hfunc: hashTop, Indir: indir, Key: key}, flows, nil
}

// deviceRSS is a device whose RSS configuration a run changed, with what
// it was.
type deviceRSS struct {
	name     string
	old      rxfh
	oldFlows []flowHash // as found, for the flow types to change
	queues   int
	// What was set so far: the table, key and function, and the first
	// flowsSet of oldFlows' flow types.
	rxfhSet  bool
	flowsSet int
}

// programDevice programs the plan c into the device name's RSS and reads
// it back. It returns nil and the reason when the device does not take it;
// then the device is as it was.
func programDevice(name string, c *rss.Config, cores, queues int) (*deviceRSS, error) {
	cur, err := getRxfh(name)
	if err != nil {
		return nil, fmt.Errorf("reading its RSS configuration: %s", whyNot(err))
	}
	want, flows, err := planDevice(c, cores, queues, &cur)
	if err != nil {
		return nil, err
	}
	d := &deviceRSS{name: name, old: cur, queues: queues}
	for _, fl := range flows {
		data, err := getFlowHash(name, fl.flow)
		if err != nil {
			return nil, fmt.Errorf("reading the %s hash fields: %s", flowName(fl.flow), whyNot(err))
		}
		d.oldFlows = append(d.oldFlows, flowHash{fl.flow, data})
	}
	// The table and key first: a device in a symmetric input transform
	// refuses asymmetric field sets until the transform is off.
	if err := setRxfh(name, &want); err != nil {
		return nil, fmt.Errorf("setting key, Toeplitz and indirection table: %s%s", whyNot(err), d.undo())
	}
	d.rxfhSet = true
	for _, fl := range flows {
		if err := setFlowHash(name, fl.flow, fl.data); err != nil {
			return nil, fmt.Errorf("setting the %s hash fields %#x: %s%s", flowName(fl.flow), fl.data, whyNot(err), d.undo())
		}
		d.flowsSet++
	}
	got, err := getRxfh(name)
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading back: %s%s", whyNot(err), d.undo())
	case got.Hfunc != hashTop:
		return nil, fmt.Errorf("the device reads back hash function %#x, not Toeplitz%s", got.Hfunc, d.undo())
	case !slices.Equal(got.Indir, want.Indir):
		return nil, fmt.Errorf("the device reads back another indirection table%s", d.undo())
	case !bytes.Equal(got.Key, want.Key):
		return nil, fmt.Errorf("the device reads back another key%s", d.undo())
	}
	for _, fl := range flows {
		data, err := getFlowHash(name, fl.flow)
		if err != nil {
			return nil, fmt.Errorf("reading back the %s hash fields: %s%s", flowName(fl.flow), whyNot(err), d.undo())
		}
		if data != fl.data {
			return nil, fmt.Errorf("the device hashes %s over fields %#x, not the plan's %#x%s", flowName(fl.flow), data, fl.data, d.undo())
		}
	}
	return d, nil
}

// undo restores what was set so far and returns "" or, if that fails, the
// failure as a suffix for the caller's message.
func (d *deviceRSS) undo() string {
	if err := d.restore(); err != nil {
		return fmt.Sprintf("; restoring it failed: %v", err)
	}
	return ""
}

// restore puts back the configuration programDevice found: the field sets
// first, then table, key, function and input transform (the reverse of
// programming). A table that was the kernel's default spread is reset to
// the default, so that it keeps following the queue count.
func (d *deviceRSS) restore() error {
	if !d.rxfhSet { // the field sets are set after the table
		return nil
	}
	var errs []error
	for _, fl := range d.oldFlows[:d.flowsSet] {
		if err := setFlowHash(d.name, fl.flow, fl.data); err != nil {
			errs = append(errs, fmt.Errorf("%s hash fields: %w", flowName(fl.flow), err))
		}
	}
	old := d.old
	old.IndirDefault = isDefaultIndir(old.Indir, d.queues)
	if old.IndirDefault {
		old.Indir = nil
	}
	if err := setRxfh(d.name, &old); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("restoring the RSS configuration of %s: %w", d.name, err)
	}
	return nil
}

// isDefaultIndir reports whether t is the kernel's default spread over
// queues receive queues (ethtool_rxfh_indir_default).
func isDefaultIndir(t []uint32, queues int) bool {
	if len(t) == 0 || queues < 1 {
		return false
	}
	for i, q := range t {
		if q != uint32(i%queues) {
			return false
		}
	}
	return true
}
