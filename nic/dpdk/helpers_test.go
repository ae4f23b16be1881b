//go:build dpdk

package dpdk

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// childEnv names the test that a re-executed test binary runs for real. The
// EAL can start only once per process, so every test with its own EAL
// configuration runs in a child process of its own.
const childEnv = "MAESTRO_DPDK_CHILD"

// inChild runs body in a fresh test process and fails t if the child fails.
// In the child itself it runs body directly.
func inChild(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		body(t)
		return
	}
	// The deadline turns a hung child into a failure with a stack dump
	// (-test.timeout) rather than a stuck parent.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("child test process failed (%v):\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("child output:\n%s", out)
	}
}

// baseEAL is the EAL command line every test uses: no hugepages, no PCI
// scan, one lcore, and a private runtime directory so that concurrent DPDK
// processes on the machine do not collide.
func baseEAL() []string {
	return []string{"--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
		"--file-prefix=mxtest" + fmt.Sprint(os.Getpid()), "--log-level=*:warning", "--no-telemetry"}
}

// pcapVdevs returns one --vdev per port, port i reading in[i] and writing
// dir/out<i>.pcap, and the output paths.
func pcapVdevs(dir string, in []string) (args, out []string) {
	for i, f := range in {
		o := filepath.Join(dir, fmt.Sprintf("out%d.pcap", i))
		out = append(out, o)
		args = append(args, fmt.Sprintf("--vdev=net_pcap%d,rx_pcap=%s,tx_pcap=%s", i, f, o))
	}
	return args, out
}

// frames builds n distinct UDP frames arriving on port: the source address
// names the port, the source port numbers the frame, and sizes vary so that
// a truncated or mixed-up copy is noticed.
func frames(port, n int) [][]byte {
	var out [][]byte
	for i := range n {
		f := maestro.Frame{
			EthSrc: maestro.MAC{2, 0, 0, 0, 0, byte(port)},
			EthDst: maestro.MAC{2, 0, 0, 0, 1, byte(port)},
			SrcIP:  0x0a000000 | uint32(port)<<8 | uint32(i%7),
			DstIP:  0xc0a80001 + uint32(i%13),
			Proto:  maestro.ProtoUDP, SrcPort: uint16(1000 + i), DstPort: 53,
			Size: 60 + (i*37)%1400,
		}
		out = append(out, maestro.AppendFrame(nil, f))
	}
	return out
}

// writePcap writes a classic little-endian pcap file (microsecond
// timestamps, Ethernet link type). The format is a 24-byte file header and a
// 16-byte header per record; it is written here rather than with gopacket's
// pcapgo, which needs golang.org/x/net in go.sum.
func writePcap(t *testing.T, path string, pkts [][]byte) {
	t.Helper()
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0)     // thiszone
	b = binary.LittleEndian.AppendUint32(b, 0)     // sigfigs
	b = binary.LittleEndian.AppendUint32(b, 65535) // snaplen
	b = binary.LittleEndian.AppendUint32(b, 1)     // LINKTYPE_ETHERNET
	for i, p := range pkts {
		b = binary.LittleEndian.AppendUint32(b, 1700000000)
		b = binary.LittleEndian.AppendUint32(b, uint32(i))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readPcap reads the frames of a pcap file in either byte order and either
// timestamp resolution (libpcap, which net_pcap uses, writes native order).
func readPcap(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 {
		t.Fatalf("%s: %d bytes, no pcap header", path, len(b))
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		t.Fatalf("%s: not a pcap file", path)
	}
	var out [][]byte
	for b = b[24:]; len(b) >= 16; {
		n := int(bo.Uint32(b[8:]))
		if len(b) < 16+n {
			t.Fatalf("%s: truncated record", path)
		}
		out = append(out, b[16:16+n])
		b = b[16+n:]
	}
	return out
}

// sameMultiset reports whether got and want hold the same frames, counting
// repeats, in any order; it describes the first difference.
func sameMultiset(got, want [][]byte) string {
	count := map[string]int{}
	for _, w := range want {
		count[string(w)]++
	}
	for _, g := range got {
		count[string(g)]--
	}
	var diffs []string
	for k, c := range count {
		if c != 0 {
			diffs = append(diffs, fmt.Sprintf("frame of %d bytes: %+d", len(k), -c))
		}
	}
	if len(diffs) > 0 {
		return fmt.Sprintf("%d got vs %d wanted; %s", len(got), len(want), strings.Join(diffs[:min(len(diffs), 5)], "; "))
	}
	return ""
}

// fwdProc applies a fixed verdict function on every core.
type fwdProc struct {
	cores int
	fn    func(p *maestro.Packet) maestro.Verdict
}

func (f fwdProc) Cores() int { return f.cores }

func (f fwdProc) ProcessBurst(_ int, pkts []maestro.Packet, v []maestro.Verdict) {
	for i := range pkts {
		v[i] = f.fn(&pkts[i])
	}
}

// swap forwards port 0 to 1 and 1 to 0: the NOP NF of a two-port box.
func swap(p *maestro.Packet) maestro.Verdict { return maestro.Forward(1 - p.InPort) }
