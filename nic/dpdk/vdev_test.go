package dpdk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVdevs(t *testing.T) {
	eal := []string{"--no-huge", "--vdev=net_pcap0,rx_pcap=a.pcap,tx_pcap=b.pcap", "-l", "0-1", "--vdev", "net_null1"}
	vs := Vdevs(eal)
	if len(vs) != 2 || vs[0].Name != "net_pcap0" || vs[1].Name != "net_null1" {
		t.Fatalf("Vdevs = %v", vs)
	}
	if v, ok := vs[0].Arg("tx_pcap"); !ok || v != "b.pcap" {
		t.Errorf("tx_pcap = %q, %v", v, ok)
	}
	if Replay(eal, 2) || !Replay(eal, 1) || Replay(nil, 0) {
		t.Errorf("Replay: wrong for %q", eal)
	}
	if Replay([]string{"--vdev=net_pcap0,iface=eth0"}, 0) {
		t.Errorf("a live interface is not a replay")
	}
}

func TestCheckVdevFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in0.pcap")
	if err := os.WriteFile(in, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "in1.pcap")
	ok := []string{"--vdev=net_pcap0,rx_pcap=" + in + ",tx_pcap=" + filepath.Join(dir, "out0.pcap")}
	if err := CheckVdevFiles(ok); err != nil {
		t.Errorf("good files: %v", err)
	}
	bad := append(ok, "--vdev=net_pcap1,rx_pcap="+missing+",tx_pcap="+filepath.Join(dir, "out1.pcap"))
	err := CheckVdevFiles(bad)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "net_pcap1") {
		t.Errorf("missing input: err = %v, want one naming %s and net_pcap1", err, missing)
	}
	noDir := append(ok, "--vdev=net_pcap1,rx_pcap="+in+",tx_pcap="+filepath.Join(dir, "nodir", "out1.pcap"))
	if err := CheckVdevFiles(noDir); err == nil || !strings.Contains(err.Error(), "nodir") {
		t.Errorf("missing output directory: err = %v", err)
	}
}
