package main

import (
	"flag"
	"fmt"
	"runtime"

	"github.com/nfmaestro/maestro/examples/catalog"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// NF-aware traffic (-nf).
//
// -nf nat: the replies must reach the NAT's external address and the port
// it gave each flow, which depends on the order the NAT saw the flows and,
// for a parallel NAT, on which core each flow landed. tracegen runs the
// catalog NAT itself (the NAT's own flags: -ext-ip, -port-start,
// -capacity, -timeout), as nfrun -nf nat -cores N will (-cores, default
// every CPU, like nfrun), on every frame it generates, and addresses each
// reply to what the NAT showed the server. Replayed through that NAT, every
// reply of a translated flow passes.
//
// -nf lb: clients on the WAN (-inbound), no replies (a direct-server-return
// balancer never sees them), and heartbeats from a few backends on the LAN
// as a small share (-heartbeat, default 0.01, from -heartbeat-backends).

// nfFlags registers what -nf NAME needs and returns the function that
// applies it to cfg after parsing (set holds the flags given).
func nfFlags(name string, fs *flag.FlagSet) (func(cfg *traffic.Config, set map[string]bool, cores int) (*nfModel, error), error) {
	switch name {
	case "":
		return func(*traffic.Config, map[string]bool, int) (*nfModel, error) { return nil, nil }, nil
	case "lb":
		return func(cfg *traffic.Config, set map[string]bool, _ int) (*nfModel, error) {
			cfg.Inbound = true
			if !set["heartbeat"] {
				cfg.Heartbeat = 0.01
			}
			if !set["bidir"] {
				cfg.Bidir = 0
			}
			return nil, nil
		}, nil
	case "nat":
		nf, err := catalog.Lookup("nat")
		if err != nil {
			return nil, err
		}
		b := nf.Flags(fs)
		capacity := fs.Lookup("capacity")
		return func(cfg *traffic.Config, set map[string]bool, cores int) (*nfModel, error) {
			if !set["flows"] {
				// Half the external ports: with the capacity split across
				// cores, no core's share fills on a uniform spread.
				if g, ok := capacity.Value.(flag.Getter); ok {
					cfg.Flows = min(cfg.Flows, max(g.Get().(int)/2, 1))
				}
			}
			proc, err := b.Parallel(cores)
			if err != nil {
				return nil, fmt.Errorf("-nf nat: %w", err)
			}
			m := &nfModel{proc: proc, lan: 0, wan: 1}
			if rp, ok := proc.(soft.RSSProcessor); ok {
				if m.dispatch, err = soft.RSSDispatcher(rp.RSS()...); err != nil {
					return nil, fmt.Errorf("-nf nat: %w", err)
				}
			}
			cfg.NAT = m
			return m, nil
		}, nil
	}
	return nil, fmt.Errorf("-nf %q: tracegen shapes traffic for nat and lb", name)
}

// defaultCores is -cores' default: nfrun's.
var defaultCores = runtime.NumCPU()

// nfModel runs an NF (a NAT) on the generated frames, as nfrun will, to
// learn how it translates each flow: a traffic.Translator.
type nfModel struct {
	proc     nic.Processor
	dispatch soft.Dispatch // nil: one core
	lan, wan maestro.Port
	buf      []byte
	pkts     [1]maestro.Packet
	verdicts [1]maestro.Verdict

	translated, refused int // LAN frames the NF translated, dropped
}

// Translate runs the NF on a copy of f, on the core the NIC would pick.
func (m *nfModel) Translate(f soft.Frame) (uint32, uint16, bool) {
	m.buf = append(m.buf[:0], f.Data...)
	p := &m.pkts[0]
	p.Reset(m.buf, f.Port, f.Time)
	core := 0
	if m.dispatch != nil {
		core = max(m.dispatch(p), 0) % m.proc.Cores()
	}
	m.proc.ProcessBurst(core, m.pkts[:], m.verdicts[:])
	if f.Port != m.lan || !p.HasPorts() {
		return 0, 0, false
	}
	if m.verdicts[0] != maestro.Forward(m.wan) {
		m.refused++
		return 0, 0, false
	}
	m.translated++
	return p.SrcIP, p.SrcPort, true
}
