package soft

import (
	"fmt"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/rss"
)

// Dispatch chooses the queue (worker core) a received packet goes to: the
// software NIC's RSS. It sees the parsed packet with InPort set. Run reduces
// the result modulo the number of cores (a negative result means queue 0).
// A Dispatch is called from one goroutine only.
type Dispatch func(p *maestro.Packet) int

// HashDispatcher returns a Dispatch that spreads IPv4 packets over cores by
// FNV-1a of the 5-tuple (addresses and protocol only when the packet has no
// L4 ports), finalised so that every bit of it counts for any number of
// cores, and sends every non-IPv4 packet to queue 0. It keeps each flow
// direction on one core but, unlike a symmetric RSS key, may send a flow's
// replies elsewhere: use RSSDispatcher with the NF's generated configuration
// when state must be sharded.
func HashDispatcher(cores int) Dispatch {
	if cores <= 1 {
		return func(*maestro.Packet) int { return 0 }
	}
	n := uint32(cores)
	return func(p *maestro.Packet) int {
		if !p.IsIPv4() {
			return 0
		}
		const offset, prime = 2166136261, 16777619
		h := uint32(offset)
		mix := func(v uint32, bytes int) {
			for range bytes {
				h = (h ^ (v & 0xff)) * prime
				v >>= 8
			}
		}
		mix(p.SrcIP, 4)
		mix(p.DstIP, 4)
		mix(uint32(p.Proto), 1)
		if p.HasPorts() {
			mix(uint32(p.SrcPort), 2)
			mix(uint32(p.DstPort), 2)
		}
		// FNV-1a's low bits depend only on the low bits of each byte: mix
		// the high bits down, or a power-of-two number of cores would see
		// a hash close to symmetric (a flow and its reply on one core, by
		// accident) and skewed.
		h ^= h >> 16
		h *= 0x85ebca6b
		h ^= h >> 13
		return int(h % n)
	}
}

// RSSDispatcher returns a Dispatch that does what an RSS NIC programmed with
// cfgs does: the packet's input port selects the configuration (the one
// whose Config.Port it is, else the one marked Config.Default), whose
// Toeplitz key and redirection table pick the queue. Packets arriving on a
// port with neither go to queue 0.
//
// What is hashed follows the contract of maestro.Packet: IPv4 TCP and UDP
// packets with ports (Packet.HasPorts) hash the 4-tuple when the port's hash
// fields include their protocol; other IPv4 packets (Packet.IsIPv4: ICMP,
// fragments, truncated transport headers, or TCP/UDP with their field off)
// hash the 2-tuple when the fields include HashIPv4; everything else is not
// hashed (queue RETA[0], like a NIC's hash 0). With every IPv4 type hashed
// (what the solver emits), the queue is therefore always the RETA entry of
// the Toeplitz hash of the packet's exposed SrcIP, DstIP, SrcPort and
// DstPort, which are zero where not hashed: a sharding key read from them
// lands where the frame did. A Config whose Fields is zero is taken to hash
// every IPv4 type (rss.HashIPv4All), since a NIC with RSS hashing nothing
// would not be worth configuring.
//
// Field selection (rss.HashL3DstOnly and the other *Only flags) narrows the
// input as the NIC does: only the selected fields, concatenated in the
// NIC's order (rss.HashFields.Hashed; rss.Config.Hash documents the
// layout), so the dispatcher and a NIC programmed with the same
// configuration pick the same queue.
//
// cfgs must pass rss.CheckConfigs. The configurations are copied and
// prepared (table-driven hashing); cfgs itself is not modified.
func RSSDispatcher(cfgs ...rss.Config) (Dispatch, error) {
	if len(cfgs) == 0 {
		return nil, fmt.Errorf("soft: no RSS configuration")
	}
	if err := rss.CheckConfigs(cfgs); err != nil {
		return nil, fmt.Errorf("soft: %w", err)
	}
	var table []*rss.Config // indexed by port
	var def *rss.Config     // for ports without their own
	for i := range cfgs {
		c := cfgs[i] // copy: Prepare writes the hasher into the config
		if err := c.Prepare(); err != nil {
			return nil, err
		}
		if c.Fields == 0 {
			c.Fields = rss.HashIPv4All
		}
		for len(table) <= c.Port {
			table = append(table, nil)
		}
		table[c.Port] = &c
		if c.Default {
			def = &c
		}
	}
	return func(p *maestro.Packet) int {
		c := def
		if int(p.InPort) < len(table) && table[p.InPort] != nil {
			c = table[p.InPort]
		}
		if c == nil {
			return 0
		}
		if !p.IsIPv4() {
			return c.QueueNonIP()
		}
		if p.HasPorts() && c.Fields.HashesPorts(p.Proto) {
			return c.Queue(p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, true)
		}
		if c.Fields&rss.HashIPv4 != 0 {
			return c.Queue(p.SrcIP, p.DstIP, 0, 0, false)
		}
		return c.QueueNonIP()
	}, nil
}
