//go:build dpdk

package dpdk

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/nic/soft"
)

// dropOversize rewrites only the vdevs whose classic pcap holds records
// above the limit, into a copy without them, and refuses a pcapng file
// with such a record, naming it.
func TestDropOversize(t *testing.T) {
	dir := t.TempDir()
	small, big := bigFrame(1, 100), bigFrame(2, pcapRecordLimit+1)
	tr := &soft.Trace{}
	for i, f := range [][]byte{small, big, small, big} {
		tr.Add(0, int64(i+1)*1000, f, 0)
	}
	tr.Add(1, 5000, small, 0)
	if err := soft.WritePcaps(dir, tr, 2, true); err != nil {
		t.Fatal(err)
	}
	eal := []string{"--no-pci",
		"--vdev=net_pcap0,rx_pcap=" + soft.PortFile(dir, 0) + ",tx_pcap=" + filepath.Join(dir, "o0.pcap"),
		"--vdev", "net_pcap1,rx_pcap=" + soft.PortFile(dir, 1)}
	tmp := t.TempDir()
	args, found, err := dropOversize(eal, tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found["net_pcap0"].file != soft.PortFile(dir, 0) || len(found["net_pcap0"].records) != 2 ||
		found["net_pcap0"].records[0] != 2 || found["net_pcap0"].records[1] != 4 {
		t.Fatalf("found %+v, want records 2 and 4 of port 0's file", found)
	}
	if args[2] != eal[2] || args[3] != eal[3] || !strings.HasPrefix(args[1], "--vdev=net_pcap0,rx_pcap="+tmp) {
		t.Fatalf("args %q", args)
	}
	copyPath := strings.TrimPrefix(strings.Split(args[1], ",")[1], "rx_pcap=")
	got, err := soft.ReadTrace(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 2 || !bytes.Equal(got.Frames[1].Data, small) || got.Frames[1].Time != 3000 {
		t.Errorf("the copy holds %d frames, want the two small ones with their times", got.Len())
	}

	// pcapng: an enhanced packet block above the limit is an error.
	le := binary.LittleEndian
	block := func(b []byte, typ uint32, body []byte) []byte {
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		b = le.AppendUint32(b, typ)
		b = le.AppendUint32(b, uint32(12+len(body)))
		b = append(b, body...)
		return le.AppendUint32(b, uint32(12+len(body)))
	}
	ng := block(nil, 0x0a0d0d0a, le.AppendUint64(le.AppendUint32(le.AppendUint32(nil, 0x1a2b3c4d), 1), ^uint64(0)))
	ng = block(ng, 1, le.AppendUint32(le.AppendUint32(nil, 1), 0))
	for _, f := range [][]byte{small, big} {
		body := le.AppendUint32(nil, 0)
		body = le.AppendUint64(body, 0)
		body = le.AppendUint32(body, uint32(len(f)))
		body = le.AppendUint32(body, uint32(len(f)))
		ng = block(ng, 6, append(body, f...))
	}
	ngPath := filepath.Join(dir, "big.pcapng")
	if err := os.WriteFile(ngPath, ng, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = dropOversize([]string{"--vdev=net_pcap0,rx_pcap=" + ngPath}, tmp)
	if err == nil || !strings.Contains(err.Error(), ngPath+": record 2 has 65536 bytes") || !strings.Contains(err.Error(), "net_pcap0") {
		t.Errorf("pcapng with a giant record: err = %v", err)
	}
}
