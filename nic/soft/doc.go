// Package soft is Maestro's software NIC backend: it reads traffic from pcap
// or pcapng files (one file per input port) or from memory, does the NIC's
// receive-side scaling in Go through a dispatch function, runs a
// nic.Processor on one worker goroutine per core in bursts of nic.BurstSize,
// applies the verdicts and writes what the NF sends to one pcap file per
// output port.
//
// # Running a generated NF
//
// RunNF is the one call that runs a generated parallel NF: it takes the NF,
// its input (capture files or a Source) and its output (a directory or a
// Sink), and programs the software NIC with the RSS configuration the NF
// carries. It refuses another dispatcher for a shared-nothing NF, whose
// state is sharded by that configuration.
//
// # Inputs
//
// OpenPcaps streams the frames of several capture files merged by
// timestamp; ReadTrace loads them into a Trace, an in-memory list of frames
// that can be replayed any number of times without allocating (benchmarks,
// differential tests). The traffic sub-package generates traffic, streamed
// (traffic.NewSource) or as a Trace. Loop replays a source several times,
// Pace at a packet rate or a multiple of capture time.
//
// # Running
//
// Run has two modes. TraceOrder processes the packets one burst of
// consecutive same-queue packets at a time, in exact trace order, on the
// calling goroutine: it is deterministic and is what differential tests
// compare against a sequential run. Concurrent runs one goroutine per core,
// each consuming its own queue of bursts, as a real NIC's poll loops would;
// packet order is preserved within each queue, and the outputs (if a Sink is
// given) are still written in input order. See Mode for details.
package soft
