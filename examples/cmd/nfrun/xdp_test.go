//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// Bad -backend xdp command lines are usage errors with a clear message.
func TestXDPUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-nf", "fw", "-backend", "xdp"}, "-backend xdp needs -iface"},
		{[]string{"-nf", "fw", "-iface", "a,b"}, "-iface needs -backend xdp"},
		{[]string{"-nf", "fw", "-duration", "1s"}, "-duration needs -backend xdp"},
		{[]string{"-nf", "fw", "-backend", "xdp", "-iface", "a"}, "NF fw has 2 ports but -iface names 1"},
		{[]string{"-nf", "fw", "-backend", "xdp", "-iface", "a,b", "-xdp-mode", "fast"}, "-xdp-mode \"fast\""},
		{[]string{"-nf", "fw", "-backend", "xdp", "-iface", "a,b", "-xdp-rss", "nic"}, "-xdp-rss \"nic\": want device or xdp"},
		{[]string{"-nf", "fw", "-xdp-rss", "xdp"}, "-xdp-rss needs -backend xdp"},
		{[]string{"-nf", "fw", "-backend", "xdp", "-iface", "a,b", "-in", "x.pcap"}, "not -in or -eal"},
		{[]string{"-nf", "fw", "-backend", "xdp", "-iface", "a,b", "-flows", "10"}, "-backend xdp takes its packets"},
	} {
		_, stderr, code := runBin(t, nfrunBin, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("nfrun %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
}

// A missing interface is a runtime error naming it.
func TestXDPMissingInterface(t *testing.T) {
	_, stderr, code := runBin(t, nfrunBin, "-nf", "fw", "-backend", "xdp", "-iface", "maestro-none0,maestro-none1", "-duration", "1s")
	if code != 1 || !strings.Contains(stderr, `"maestro-none0" (port 0): no such interface`) {
		t.Errorf("exit %d, stderr %q; want exit 1 and the missing interface named", code, stderr)
	}
}

// nfrunXDP is nfrun running in the test network's NF namespace.
type nfrunXDP struct {
	cmd       *exec.Cmd
	stdout    bytes.Buffer
	stderr    bytes.Buffer // everything but progress lines
	processed atomic.Uint64
	ready     chan string
	done      chan struct{}
}

// startNfrun starts nfrun -backend xdp on n's ports and waits until it
// receives.
func startNfrun(t *testing.T, n *xdptest.Net, args ...string) *nfrunXDP {
	t.Helper()
	args = append([]string{"netns", "exec", n.NF, nfrunBin, "-backend", "xdp", "-iface", strings.Join(n.NFIf, ","), "-progress", "5ms"}, args...)
	r := &nfrunXDP{cmd: exec.Command("ip", args...), ready: make(chan string, 1), done: make(chan struct{})}
	r.cmd.Stdout = &r.stdout
	pipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			if f := strings.Fields(line); len(f) > 2 && f[0] == "nfrun:" && f[2] == "packets," {
				if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
					r.processed.Store(v)
				}
				continue
			}
			r.stderr.WriteString(line + "\n")
			if strings.HasPrefix(line, "nfrun: running: ") {
				r.ready <- line
			}
		}
		io.Copy(io.Discard, pipe)
		r.cmd.Wait()
	}()
	select {
	case line := <-r.ready:
		t.Log(line)
	case <-r.done:
		t.Fatalf("nfrun ended before it ran: %s", r.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("nfrun not ready after 30s: %s", r.stderr.String())
	}
	return r
}

// waitProcessed waits until nfrun's progress reports n packets.
func (r *nfrunXDP) waitProcessed(t *testing.T, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.processed.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("nfrun processed %d packets, want %d", r.processed.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// readPcap returns the frames of one pcap file.
func readPcap(t *testing.T, path string) [][]byte {
	t.Helper()
	tr, err := soft.ReadTrace(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, f := range tr.Frames {
		out = append(out, f.Data)
	}
	return out
}

// The must-show test: nfrun -backend xdp with the FW on two veth pairs, at
// 1 and 2 cores, forwards every LAN packet, admits every reply and no
// spoofed or unsolicited WAN packet. What leaves each port (captured on the
// peer ends, and written by -out) is, flow by flow, what nfrun -seq writes
// on the software backend for the same input; SIGINT ends the run with the
// summary.
func TestXDPFW(t *testing.T) {
	in := xdptest.NewPhases(t)
	// The reference: the sequential FW on the software backend.
	inDir, refDir := t.TempDir(), t.TempDir()
	if err := soft.WritePcaps(inDir, in.All, 2, true); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runBin(t, nfrunBin, "-nf", "fw", "-seq", "-in", soft.PortFile(inDir, 0), "-in", soft.PortFile(inDir, 1), "-out", refDir, "-progress", "0"); code != 0 {
		t.Fatalf("nfrun -seq: exit %d: %s", code, stderr)
	}
	var ref [2][][]byte
	for p := range 2 {
		ref[p] = readPcap(t, soft.PortFile(refDir, p))
		if len(ref[p]) != in.Want[p] {
			t.Fatalf("nfrun -seq sends %d frames out of port %d, the input calls for %d", len(ref[p]), p, in.Want[p])
		}
	}
	for _, cores := range []int{1, 2} {
		t.Run(fmt.Sprintf("cores=%d", cores), func(t *testing.T) {
			n := xdptest.New(t, 2)
			outDir := t.TempDir()
			r := startNfrun(t, n, "-nf", "fw", "-cores", strconv.Itoa(cores), "-xdp-mode", "generic", "-out", outDir)
			var sent uint64
			for _, ph := range in.Phases {
				for _, f := range ph {
					n.Send(t, int(f.Port), f.Data)
					if sent++; sent%128 == 0 {
						r.waitProcessed(t, sent)
					}
				}
				r.waitProcessed(t, sent)
			}
			var got [2][][]byte
			for p := range 2 {
				got[p] = n.Capture(p)
			}
			r.cmd.Process.Signal(syscall.SIGINT)
			<-r.done
			if code := r.cmd.ProcessState.ExitCode(); code != 130 {
				t.Fatalf("exit %d after SIGINT, want 130: %s", code, r.stderr.String())
			}
			if note := "1 receive queue(s) for 2 cores: the XDP program steers"; cores == 2 && !strings.Contains(r.stderr.String(), note) {
				t.Errorf("stderr lacks %q: %s", note, r.stderr.String())
			}
			// Veth has no RSS to program: the fallback and its reason are said.
			if note := "device RSS not programmed ("; !strings.Contains(r.stderr.String(), note) {
				t.Errorf("stderr lacks %q: %s", note, r.stderr.String())
			}
			summary := r.stdout.String()
			for _, want := range []string{"xdp backend, XDP generic mode, AF_XDP copy", fmt.Sprintf("total: %d packets", len(in.All.Frames))} {
				if !strings.Contains(summary, want) {
					t.Errorf("summary lacks %q:\n%s", want, summary)
				}
			}
			for p := range 2 {
				written := readPcap(t, filepath.Join(outDir, fmt.Sprintf("port%d.pcap", p)))
				for what, frames := range map[string][][]byte{"captured on the wire": got[p], "written by -out": written} {
					if d := xdptest.PerFlowDiff(frames, ref[p], maestro.Port(p), xdptest.LANFlow); d != "" {
						t.Errorf("port %d, %s: %d frames, nfrun -seq %d: %s", p, what, len(frames), len(ref[p]), d)
					}
				}
			}
		})
	}
}

// -duration ends the run by itself, with the summary and exit status 0.
func TestXDPDuration(t *testing.T) {
	n := xdptest.New(t, 2)
	r := startNfrun(t, n, "-nf", "nop", "-seq", "-duration", "300ms")
	select {
	case <-r.done:
	case <-time.After(20 * time.Second):
		t.Fatal("nfrun -duration 300ms still running after 20s")
	}
	if code := r.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(r.stdout.String(), "total: 0 packets") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and an empty summary", code, r.stdout.String(), r.stderr.String())
	}
}

// Without privileges, nfrun says what it needs.
func TestXDPNoPermission(t *testing.T) {
	n := xdptest.New(t, 2)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed: cannot drop privileges")
	}
	cmd := exec.Command("ip", "netns", "exec", n.NF, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		nfrunBin, "-nf", "fw", "-seq", "-backend", "xdp", "-iface", strings.Join(n.NFIf, ","), "-duration", "1s", "-progress", "0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "needs root or CAP_BPF and CAP_NET_ADMIN") {
		t.Errorf("as nobody: %v, stderr %q; want exit 1 and the capabilities named", err, stderr.String())
	}
}
