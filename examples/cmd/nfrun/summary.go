package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Summary is what -json prints: the run's counts per port and per core.
// Bytes are frame bytes without the FCS (as a capture stores them); Gbps
// is their rate over the whole run. A backend that does not count bytes
// (DPDK) leaves the byte and Gbps fields out.
type Summary struct {
	NF          string        `json:"nf"`
	Run         string        `json:"run"`   // how it ran: sequential or parallel, cores, backend, mode
	Input       string        `json:"input"` // pcap files or the generated traffic
	Packets     uint64        `json:"packets"`
	ElapsedNS   int64         `json:"elapsed_ns"`
	Mpps        float64       `json:"mpps"`
	BadPort     uint64        `json:"bad_port"` // verdicts to a nonexistent port (counted as dropped)
	Refused     uint64        `json:"refused"`  // frames too large for the backend (counted as missed)
	Interrupted bool          `json:"interrupted"`
	Ports       []PortSummary `json:"ports"`
	Cores       []CoreSummary `json:"cores"`
}

// PortSummary is one port's line of a Summary.
type PortSummary struct {
	Port     int      `json:"port"`
	In       uint64   `json:"in"`
	Out      uint64   `json:"out"`
	Dropped  uint64   `json:"dropped"`
	Missed   uint64   `json:"missed"`
	InBytes  *uint64  `json:"in_bytes,omitempty"`
	OutBytes *uint64  `json:"out_bytes,omitempty"`
	InGbps   *float64 `json:"in_gbps,omitempty"`
	OutGbps  *float64 `json:"out_gbps,omitempty"`
}

// CoreSummary is one worker's line of a Summary.
type CoreSummary struct {
	Core    int    `json:"core"`
	Packets uint64 `json:"packets"`
	Out     uint64 `json:"out"`
	Dropped uint64 `json:"dropped"`
}

// summarize builds the Summary of res.
func (o *options) summarize(res *soft.Result, desc, input string, interrupted bool) *Summary {
	s := &Summary{NF: o.nf.Name, Run: desc, Input: input, Packets: res.Packets,
		ElapsedNS: res.Elapsed.Nanoseconds(), Mpps: res.Mpps(), BadPort: res.BadPort,
		Refused: res.Refused, Interrupted: interrupted}
	for port, st := range res.Ports {
		p := PortSummary{Port: port, In: st.RX, Out: st.TX, Dropped: st.Dropped, Missed: st.Missed}
		if port < len(res.Bytes) {
			b := res.Bytes[port]
			in, out := soft.Gbps(b.RX, res.Elapsed), soft.Gbps(b.TX, res.Elapsed)
			p.InBytes, p.OutBytes, p.InGbps, p.OutGbps = &b.RX, &b.TX, &in, &out
		}
		s.Ports = append(s.Ports, p)
	}
	for core, st := range res.Cores {
		s.Cores = append(s.Cores, CoreSummary{Core: core, Packets: st.RX, Out: st.TX, Dropped: st.Dropped})
	}
	return s
}

// text formats s for people.
func (s *Summary) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nf %s: %s\ninput: %s\n\n", s.NF, s.Run, s.Input)
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "port\tin\tout\tdropped\tmissed\tin-bytes\tout-bytes\tin-Gbps\tout-Gbps\t")
	for _, p := range s.Ports {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t", p.Port, p.In, p.Out, p.Dropped, p.Missed)
		if p.InBytes != nil {
			fmt.Fprintf(tw, "%d\t%d\t%.3f\t%.3f\t\n", *p.InBytes, *p.OutBytes, *p.InGbps, *p.OutGbps)
		} else {
			fmt.Fprint(tw, "-\t-\t-\t-\t\n")
		}
	}
	tw.Flush()
	b.WriteString("\n")
	fmt.Fprintln(tw, "core\tpackets\tout\tdropped\tshare\t")
	for _, c := range s.Cores {
		share := 0.0
		if s.Packets > 0 {
			share = 100 * float64(c.Packets) / float64(s.Packets)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%.1f%%\t\n", c.Core, c.Packets, c.Out, c.Dropped, share)
	}
	tw.Flush()
	fmt.Fprintf(&b, "\ntotal: %d packets in %v: %.3f Mpps", s.Packets, time.Duration(s.ElapsedNS).Round(time.Microsecond), s.Mpps)
	if s.BadPort > 0 {
		fmt.Fprintf(&b, " (%d verdicts to a nonexistent port, counted as dropped)", s.BadPort)
	}
	if s.Refused > 0 {
		fmt.Fprintf(&b, " (%d frame(s) too large for the backend refused, counted as missed)", s.Refused)
	}
	if s.Interrupted {
		b.WriteString(" (interrupted)")
	}
	b.WriteString("\n")
	return b.String()
}

// report prints the summary (as JSON with -json), and with -out writes it
// to DIR/summary.txt (and DIR/summary.json with -json).
func (o *options) report(res *soft.Result, desc, input string, interrupted bool, stdout io.Writer) error {
	s := o.summarize(res, desc, input, interrupted)
	text := s.text()
	out := text
	if o.json {
		j, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return err
		}
		out = string(j) + "\n"
	}
	if _, err := io.WriteString(stdout, out); err != nil {
		return err
	}
	if o.out == "" {
		return nil
	}
	if o.json {
		if err := os.WriteFile(filepath.Join(o.out, "summary.json"), []byte(out), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(o.out, "summary.txt"), []byte(text), 0o644)
}

// progressLine formats a progress report: the totals so far, then each
// port's rates since the previous report (live, not averaged over the
// run). prev is the previous report, the zero Progress for the first.
func progressLine(prev, cur soft.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "nfrun: %d packets, %.2f Mpps, %v", cur.Packets, cur.Mpps(), cur.Elapsed.Round(time.Millisecond))
	d := cur.Elapsed - prev.Elapsed
	if d <= 0 {
		return b.String()
	}
	for port, st := range cur.Ports {
		var was nic.Stats
		if port < len(prev.Ports) {
			was = prev.Ports[port]
		}
		fmt.Fprintf(&b, "; port %d in %.2f out %.2f Mpps", port, rate(st.RX-was.RX, d), rate(st.TX-was.TX, d))
		if port < len(cur.Bytes) {
			var wasB soft.Bytes
			if port < len(prev.Bytes) {
				wasB = prev.Bytes[port]
			}
			fmt.Fprintf(&b, " (%.2f/%.2f Gbps)", soft.Gbps(cur.Bytes[port].RX-wasB.RX, d), soft.Gbps(cur.Bytes[port].TX-wasB.TX, d))
		}
	}
	return b.String()
}

// rate returns n per d in millions per second.
func rate(n uint64, d time.Duration) float64 { return float64(n) / d.Seconds() / 1e6 }
