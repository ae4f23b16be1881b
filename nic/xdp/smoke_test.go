//go:build linux

package xdp

import (
	"bytes"
	"testing"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// cross forwards port 0 to port 1 and back, and drops frames whose first
// payload byte is 0xdd.
type cross struct{}

func (cross) Cores() int { return 1 }
func (cross) ProcessBurst(_ int, pkts []maestro.Packet, v []maestro.Verdict) {
	for i := range pkts {
		if len(pkts[i].Data) > 60 && pkts[i].Data[60] == 0xdd {
			v[i] = maestro.Drop
			continue
		}
		v[i] = 1 - maestro.Verdict(pkts[i].InPort)
	}
}

// TestForwardVeth sends frames into both ports of a running backend and
// checks that each comes out of the other port intact and in order, except
// those the NF drops.
func TestForwardVeth(t *testing.T) {
	n := xdptest.New(t, 2)
	b := start(t, n, Config{Mode: Generic}, cross{})
	var sent [2][][]byte
	r := newRand()
	for i := range 200 {
		port := i % 2
		f := buildFrame(kindUDP, r.Uint32(), r.Uint32(), uint16(i), 53, r)
		f = append(f, make([]byte, max(0, 64-len(f)))...)
		f[60] = byte(i)
		if i%7 == 3 {
			f[60] = 0xdd
		}
		n.Send(t, port, f)
		if f[60] != 0xdd {
			sent[port] = append(sent[port], f)
		}
	}
	b.waitProcessed(t, 200)
	for port := range 2 {
		got := n.Capture(1 - port)
		if len(got) != len(sent[port]) {
			t.Fatalf("port %d: %d frames came out of port %d, want %d", port, len(got), 1-port, len(sent[port]))
		}
		for i := range got {
			if !bytes.Equal(got[i], sent[port][i]) {
				t.Fatalf("frame %d differs", i)
			}
		}
	}
	res, err := b.stop()
	if err != nil {
		t.Fatal(err)
	}
	if tot := res.Total(); tot.RX != 200 || tot.TX != uint64(len(sent[0])+len(sent[1])) || tot.Dropped != 200-tot.TX {
		t.Errorf("totals %+v, want 200 received, %d sent", tot, len(sent[0])+len(sent[1]))
	}
}
