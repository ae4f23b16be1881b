//go:build dpdk

package main

import (
	"context"
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
// do RSS. The statistics are returned in the software backend's Result
// shape so both backends print the same summary.
func runDPDK(ctx context.Context, eal []string, proc nic.Processor, ports int, cfgs []rss.Config, dispatch soft.Dispatch, progress func(soft.Progress), every time.Duration) (*soft.Result, error) {
	cfg := dpdk.Config{EAL: eal, Ports: ports, Dispatch: dispatch, IdleTimeout: dpdkIdle, ReportEvery: every}
	for _, c := range cfgs {
		for len(cfg.RSS) <= c.Port {
			cfg.RSS = append(cfg.RSS, dpdk.RSS{})
		}
		var hash uint64
		if c.Fields&rss.HashIPv4 != 0 {
			hash |= dpdk.HashIPv4
		}
		if c.Fields&rss.HashIPv4TCP != 0 {
			hash |= dpdk.HashIPv4TCP
		}
		if c.Fields&rss.HashIPv4UDP != 0 {
			hash |= dpdk.HashIPv4UDP
		}
		cfg.RSS[c.Port] = dpdk.RSS{Key: c.Key, RETA: c.RETA, Hash: hash}
	}
	var report func(dpdk.Stats)
	if progress != nil {
		report = func(s dpdk.Stats) { progress(soft.Progress{Packets: s.Total.RX, Elapsed: s.Elapsed}) }
	}
	res, err := dpdk.Run(ctx, cfg, proc, report)
	st := res.Stats
	out := &soft.Result{Cores: make([]nic.Stats, proc.Cores()), Packets: st.Total.RX, Elapsed: st.Elapsed}
	for _, p := range st.Ports {
		out.Ports = append(out.Ports, p.Stats)
		for core, q := range p.Queues {
			if core < len(out.Cores) {
				out.Cores[core].Add(q)
			}
		}
	}
	return out, err
}
