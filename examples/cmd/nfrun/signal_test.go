package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nfmaestro/maestro/nic/soft"
)

// interrupt starts bin with args, sends it SIGINT as soon as it prints its
// first progress line (the run has started), and returns its stdout, its
// stderr and its exit code.
func interrupt(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var o bytes.Buffer
	cmd.Stdout = &o
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var e strings.Builder
	sent := false
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		e.WriteString(sc.Text() + "\n")
		if !sent && strings.Contains(sc.Text(), " packets, ") {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			sent = true
		}
	}
	err = cmd.Wait()
	if !sent {
		t.Fatalf("no progress line, SIGINT never sent (%v); stderr:\n%s", err, e.String())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

var totalRE = regexp.MustCompile(`total: (\d+) packets`)

// TestSIGINTSoft interrupts a long generated run on the software backend:
// it must stop early, exit 130, print the summary of what it processed and
// leave complete, readable output pcaps holding exactly that.
func TestSIGINTSoft(t *testing.T) {
	const packets = 2000000
	for _, mode := range [][]string{nil, {"-trace-order"}, {"-seq"}} {
		name := "default"
		if len(mode) > 0 {
			name = mode[0]
		}
		// Each run spends most of its time making its traffic, alone on a
		// core: the three run at once.
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "out")
			args := append([]string{"-nf", "nop", "-packets", strconv.Itoa(packets), "-flows", "1000", "-progress", "1ms", "-out", out}, mode...)
			stdout, stderr, code := interrupt(t, nfrunBin, args...)
			if code != 130 {
				t.Fatalf("%v: exit %d, want 130; stderr:\n%s", mode, code, stderr)
			}
			if !strings.HasSuffix(stderr, "nfrun: interrupted\n") {
				t.Errorf("%v: stderr does not end with \"nfrun: interrupted\":\n%s", mode, stderr)
			}
			m := totalRE.FindStringSubmatch(stdout)
			if m == nil {
				t.Fatalf("%v: no summary on stdout:\n%s", mode, stdout)
			}
			total, _ := strconv.Atoi(m[1])
			if total >= packets {
				t.Fatalf("%v: all %d packets processed: the run was not interrupted", mode, total)
			}
			if sum, err := os.ReadFile(filepath.Join(out, "summary.txt")); err != nil || string(sum) != stdout {
				t.Errorf("%v: summary.txt differs from stdout (%v)", mode, err)
			}
			// nop forwards every packet: the flushed pcaps hold them all.
			if got := outputPackets(t, out, mode); got != total {
				t.Errorf("%v: output pcaps hold %d packets, summary says %d processed", mode, got, total)
			}
		})
	}
}

// outputPackets returns how many frames the two ports' output pcaps in out
// hold; mode names the run in errors.
func outputPackets(t *testing.T, out string, mode any) int {
	t.Helper()
	got := 0
	for port := range 2 {
		tr, err := soft.ReadTrace(soft.PortFile(out, port))
		if err != nil {
			t.Fatalf("%v: port %d: %v", mode, port, err)
		}
		got += len(tr.Frames)
	}
	return got
}
