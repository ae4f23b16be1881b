//go:build dpdk

package dpdk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
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

// inputStart and inputGap give frame i of every test input the pcap time
// inputStart + i*inputGap nanoseconds: whole microseconds, the resolution
// at which net_pcap (through libpcap) reads captures.
const (
	inputStart = int64(1_700_000_000) * 1e9
	inputGap   = int64(time.Microsecond)
)

// writeInputs writes in[i], port i's input, as dir/port<i>.pcap with nic/soft's
// pcap writer (microsecond timestamps, see inputStart) and returns the paths.
func writeInputs(t *testing.T, dir string, in [][][]byte) []string {
	t.Helper()
	tr := &soft.Trace{NumPorts: len(in)}
	var paths []string
	for port, frames := range in {
		for i, f := range frames {
			tr.Add(maestro.Port(port), inputStart+int64(i)*inputGap, f, 0)
		}
		paths = append(paths, soft.PortFile(dir, port))
	}
	if err := soft.WritePcaps(dir, tr, len(in), true); err != nil {
		t.Fatal(err)
	}
	return paths
}

// readPcap reads the frames of a pcap file (net_pcap writes nanosecond
// captures in native byte order) with nic/soft's reader.
func readPcap(t *testing.T, path string) [][]byte {
	t.Helper()
	tr, err := soft.ReadTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, 0, len(tr.Frames))
	for _, f := range tr.Frames {
		out = append(out, f.Data)
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

// hasNote reports whether one of res's notes contains substr.
func hasNote(res Result, substr string) bool {
	for _, n := range res.Notes {
		if strings.Contains(n, substr) {
			return true
		}
	}
	return false
}
