package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar on stderr. It is redrawn only
// between measurements, never while workers are timed, so that printing
// neither steals a CPU from them nor allocates inside the counted region.
type progress struct {
	w       io.Writer
	total   int
	n       int
	start   time.Time
	quiet   bool
	lastLen int
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	return &progress{w: w, total: total, start: time.Now(), quiet: quiet}
}

// step starts measurement n+1, described by what.
func (p *progress) step(what string) {
	p.draw(what)
	p.n++
}

// status shows what happens before the next measurement.
func (p *progress) status(what string) { p.draw(what) }

func (p *progress) draw(what string) {
	if p.quiet {
		return
	}
	const width = 30
	filled := width * p.n / max(p.total, 1)
	eta := ""
	if p.n > 0 {
		left := time.Duration(float64(time.Since(p.start)) / float64(p.n) * float64(p.total-p.n))
		eta = " ETA " + left.Round(time.Second).String()
	}
	line := fmt.Sprintf("[%s%s] %d/%d%s %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.n, p.total, eta, what)
	pad := max(p.lastLen-len(line), 0)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.lastLen = len(line)
}

// done clears the bar.
func (p *progress) done() {
	if p.quiet || p.lastLen == 0 {
		return
	}
	fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", p.lastLen))
	fmt.Fprintf(p.w, "nfbench: %d measurements in %v\n", p.total, time.Since(p.start).Round(time.Second))
}
