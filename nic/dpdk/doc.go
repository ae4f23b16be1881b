// Package dpdk runs a Maestro NF (a nic.Processor) on DPDK ports through a
// thin cgo binding to DPDK 22.11 (build tag dpdk; without the tag the
// package is empty so that `go test ./...` needs no DPDK).
//
// Run starts the EAL with the caller's arguments (Init), creates an mbuf
// pool, configures P ports with one RX and one TX queue per worker core,
// programs each port's RSS (Toeplitz key, hash functions, redirection table)
// and starts one pinned worker goroutine per core. Each worker receives
// bursts of nic.BurstSize packets in C, builds maestro.Packet views over
// the mbuf memory without copying (reading each mbuf's address and length
// itself), calls Processor.ProcessBurst once per burst, which writes the
// verdicts into C memory, and applies them in C (a tx_burst per destination
// port, a bulk free for drops, reference counts for floods). A busy worker
// polling ports makes one cgo call per burst, which applies a burst and
// receives the next, and no atomic operation per packet or per burst: the
// counters are published every 64 bursts, when a poll finds nothing and at
// the end.
//
// Devices that cannot spread traffic by RSS (net_pcap with one rx_pcap per
// port, or fewer RX queues than cores) are run in software dispatch mode:
// one poller receives on queue 0 of every port, asks the caller's Go
// function which core each packet belongs to, and hands the mbufs to the
// workers through single-producer rings. Run says so in Result.Notes.
//
// Packet.Time is each packet's RX timestamp where every port stamps Unix
// time (net_pcap: the pcap record's time, so a replayed trace sees the times
// it was captured with) and the wall clock at each burst otherwise;
// Result.Notes says which, and Config.WallClock forces the wall clock.
//
// Replay: when every port is a net_pcap vdev reading a file (rx_pcap), Run
// loses nothing and keeps time order across ports, like the software
// backend: the ports are read merged by capture timestamp (by the one
// worker, or by the software dispatcher), and software dispatch waits for
// room in a full ring instead of dropping. Live ports keep the usual
// behaviour: they cannot wait, and losses are counted as Missed.
//
// Large frames: a frame that arrives in several mbufs (above about 2 KiB)
// is copied into a per-worker buffer so the NF sees it whole; the NF's
// changes are written back, and it is sent as one contiguous mbuf.
// Frames above MaxFrame (65,535 bytes) are refused one by one and counted
// in PortStats.Refused; net_pcap input records above it, which DPDK
// 22.11's net_pcap cuts or crashes on, are left out of a copy of the file
// before the EAL starts and counted the same way. Missing net_pcap input
// files are named before the EAL starts (CheckVdevFiles).
//
// RSSFrom turns a generated parallel NF's RSS configuration into
// Config.RSS. Init turns a bad EAL command line into one error line.
//
// CI needs: apt-get install -y libdpdk-dev pkg-config libpcap-dev and
// `go test -tags dpdk ./nic/dpdk/` run as root (no hugepages or NIC needed:
// the tests use --no-huge --no-pci with net_pcap and net_null vdevs).
package dpdk
