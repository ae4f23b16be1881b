//go:build dpdk

package dpdk

import (
	"bytes"
	"testing"

	"github.com/nfmaestro/maestro/nic/rss"
)

// TestRSSFromDefault: the configuration marked Default programs every port
// without one of its own, inside the slice (gaps) and beyond it, and two
// Default entries are refused before the EAL starts.
func TestRSSFromDefault(t *testing.T) {
	keyA, keyD := bytes.Repeat([]byte{0xa1}, 40), bytes.Repeat([]byte{0xd5}, 40)
	reta := rss.RoundRobin(128, 2)
	rs := RSSFrom([]rss.Config{
		{Port: 0, Key: keyA, Fields: rss.HashIPv4All, RETA: reta},
		{Port: 3, Key: keyD, Fields: rss.HashIPv4UDP, RETA: reta, Default: true},
	})
	if len(rs) != 4 {
		t.Fatalf("%d entries, want 4", len(rs))
	}
	r := &run{cfg: Config{RSS: rs}}
	for port, want := range map[int][]byte{0: keyA, 1: keyD, 2: keyD, 3: keyD, 4: keyD, 200: keyD} {
		c := r.rssConf(port)
		if !bytes.Equal(c.Key, want) {
			t.Errorf("port %d: key %x, want %x", port, c.Key[:2], want[:2])
		}
		if wantHash := map[bool]uint64{true: DefaultHash, false: HashIPv4UDP}[port == 0]; c.Hash != wantHash {
			t.Errorf("port %d: hash %#x, want %#x", port, c.Hash, wantHash)
		}
	}
	n := 0
	for _, e := range rs {
		if e.Default {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d Default entries after RSSFrom, want 1 (gaps are copies)", n)
	}
	// Without a Default, unconfigured ports keep the device's own set-up.
	plain := &run{cfg: Config{RSS: RSSFrom([]rss.Config{{Port: 1, Key: keyA, RETA: reta}})}}
	if c := plain.rssConf(0); c.Key != nil || c.Hash != DefaultHash {
		t.Errorf("port 0 without a default: %+v", c)
	}
	if err := checkRSS([]RSS{{Default: true}, {Default: true}}); err == nil {
		t.Error("two Default entries accepted")
	}
	if _, err := Run(t.Context(), Config{RSS: []RSS{{Default: true}, {Default: true}}}, fwdProc{cores: 1, fn: swap}, nil); err == nil {
		t.Error("Run accepted two Default entries")
	}
}
