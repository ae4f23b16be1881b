//go:build dpdk

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/dpdk"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// dpdkIdle ends a DPDK run once input has stopped for this long: pcap vdevs
// have no end-of-file signal.
const dpdkIdle = time.Second

// runDPDK runs proc with dpdk.Run: EAL arguments eal (the ports are the
// EAL's devices, e.g. net_pcap vdevs), the NIC's RSS programmed with cfgs
// when the parallel NF carries them, dispatch used where the device cannot
// do RSS. The backend's notes (a fallback to software dispatch, the clock
// Packet.Time follows) go to stderr as they are made. The statistics are
// returned in the software backend's Result shape so both backends print
// the same summary; when the run fails there is no summary to print, and
// the result is nil, so that the error is the one line nfrun prints.
func runDPDK(ctx context.Context, eal []string, proc nic.Processor, ports int, cfgs []rss.Config, dispatch soft.Dispatch, progress func(soft.Progress), every time.Duration) (*soft.Result, error) {
	cfg := dpdk.Config{
		EAL: eal, Ports: ports, Dispatch: dispatch, RSS: dpdk.RSSFrom(cfgs),
		IdleTimeout: dpdkIdle, ReportEvery: every,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, "nfrun: "+format+"\n", args...) },
	}
	var report func(dpdk.Stats)
	if progress != nil {
		report = func(s dpdk.Stats) {
			ports := make([]nic.Stats, len(s.Ports))
			for i, p := range s.Ports {
				ports[i] = p.Stats
			}
			progress(soft.Progress{Packets: s.Total.RX, Elapsed: s.Elapsed, Ports: ports})
		}
	}
	res, err := dpdk.Run(ctx, cfg, proc, report)
	// Closing the ports flushes and closes net_pcap's output files; the
	// process is about to end anyway, so a failure here only matters if
	// the run itself went well.
	if cerr := dpdk.Cleanup(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	st := res.Stats
	out := &soft.Result{Cores: make([]nic.Stats, proc.Cores()), Packets: st.Total.RX, Elapsed: st.Elapsed}
	for _, p := range st.Ports {
		out.Ports = append(out.Ports, p.Stats)
		out.Refused += p.Refused
		for core, q := range p.Queues {
			if core < len(out.Cores) {
				out.Cores[core].Add(q)
			}
		}
	}
	if p := st.Pool; p.InUse != 0 {
		return out, fmt.Errorf("dpdk: %d mbufs still in use after the run (pool of %d)", p.InUse, p.Size)
	}
	return out, nil
}
