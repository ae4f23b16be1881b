package cbaseline

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/maestro"
)

// agreementTrace is a short trace that exercises every path of the FW: a
// table that fills (more flows than capacity), expiry (a timeout of 40
// packets), and frames the parser rejects or only half parses.
func agreementTrace() []Packet {
	pkts := FlowTrace(150, 3000, 7)
	odd := []maestro.Frame{
		{SrcIP: 1, DstIP: 2, Proto: maestro.ProtoICMP, Size: 60},
		{SrcIP: 3, DstIP: 4, Proto: 47, Size: 60},
		{SrcIP: 5, DstIP: 6, SrcPort: 7, DstPort: 8, Proto: maestro.ProtoUDP, VLAN: 9, Size: 64},
	}
	var out []Packet
	for i, p := range pkts {
		p.Time = int64(i) * 1000
		out = append(out, p)
		if i%50 != 0 {
			continue
		}
		for j, f := range odd {
			out = append(out, Packet{Frame: maestro.AppendFrame(nil, f), Port: maestro.Port(j % 2), Time: p.Time})
		}
		// A fragment, a bad total length, a truncated frame and ARP.
		frag := append([]byte(nil), p.Frame...)
		frag[14+6] |= 0x20
		bad := append([]byte(nil), p.Frame...)
		bad[14+2], bad[14+3] = 0xff, 0xff
		arp := append([]byte(nil), p.Frame...)
		arp[12], arp[13] = 0x08, 0x06
		for _, d := range [][]byte{frag, bad, p.Frame[:30], arp} {
			out = append(out, Packet{Frame: d, Port: p.Port, Time: p.Time})
		}
	}
	return out
}

// TestCAgreesWithGo runs the C FW and both Go FWs on one trace and compares
// every verdict.
func TestCAgreesWithGo(t *testing.T) {
	dir := t.TempDir()
	bin, err := Build(dir)
	if errors.Is(err, ErrNoGCC) {
		t.Skip("environment has no gcc to build the C baseline: ", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	pkts := agreementTrace()
	var buf bytes.Buffer
	if err := WriteTrace(&buf, pkts); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "trace")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	const capacity, timeout = 64, 40 * time.Microsecond
	out, err := exec.Command(bin, "-v", strconv.Itoa(capacity), strconv.FormatInt(int64(timeout), 10), path).Output()
	if err != nil {
		t.Fatalf("fwc: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(pkts)+1 {
		t.Fatalf("fwc printed %d lines for %d packets", len(lines), len(pkts))
	}
	for _, impl := range Impls {
		verdicts := make([]maestro.Verdict, len(pkts))
		res, err := RunGo(impl, pkts, capacity, timeout, verdicts)
		if err != nil {
			t.Fatal(err)
		}
		drops, passes := 0, 0
		for i, v := range verdicts {
			c, err := strconv.Atoi(lines[i])
			if err != nil {
				t.Fatal(err)
			}
			want := maestro.Drop
			if c >= 0 {
				want = maestro.Forward(maestro.Port(c))
			}
			if v != want {
				t.Fatalf("%s: packet %d (port %d, time %d): Go says %v, C says %v", impl, i, pkts[i].Port, pkts[i].Time, v, want)
			}
			if v.IsDrop() {
				drops++
			} else {
				passes++
			}
		}
		if !strings.Contains(lines[len(pkts)], " passed="+strconv.Itoa(res.Passed)+" ") {
			t.Errorf("%s passed %d packets; C: %s", impl, res.Passed, lines[len(pkts)])
		}
		// The trace must exercise both verdicts, or agreeing means little.
		if drops < len(pkts)/10 || passes < len(pkts)/10 {
			t.Errorf("%s: %d drops and %d passes: the trace does not exercise the FW", impl, drops, passes)
		}
	}
}

func TestReadTraceRejectsBadInput(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTrace(&buf, FlowTrace(3, 5, 1)); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if pkts, err := ReadTrace(good); err != nil || len(pkts) != 5 {
		t.Fatalf("ReadTrace of a good trace: %d packets, %v", len(pkts), err)
	}
	huge := append([]byte(nil), good...)
	huge[4], huge[5], huge[6], huge[7] = 0xff, 0xff, 0xff, 0x7f
	for name, d := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXX"), good[4:]...),
		"truncated": good[:len(good)-1],
		"count":     huge,
	} {
		if _, err := ReadTrace(d); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
