// Package rss is Maestro's Receive Side Scaling mathematics: the Toeplitz
// hash, a fast table-driven hasher for the IPv4 4-tuple, a GF(2) solver that
// turns sharding constraints into per-port Toeplitz keys, redirection tables
// (RETAs), NIC profiles, and the software dispatcher that mimics a NIC.
//
// # The hash
//
// A NIC hashes, in network byte order, the IPv4 source address, the IPv4
// destination address, the L4 source port and the L4 destination port (12
// bytes, 96 input bits numbered t = 0..95 from the most significant bit of the
// source address). For each input bit t that is set, the 32 key bits
// t..t+31 (key bit 0 is the most significant bit of key byte 0) are XORed
// into the result. Hence result bit k (bit 0 the least significant) is the
// XOR over set input bits t of key bit t+31-k. The NIC uses the low
// b = log2(RETA size) bits of the result to index the RETA, which names the
// receive queue, i.e. the core.
//
// # Hash fields
//
// NICs with field selection (DPDK's RTE_ETH_RSS_L3_SRC_ONLY and friends on
// i40e, ice and mlx5; HashL3SrcOnly and the other *Only flags here) hash
// only the named fields, concatenated in the order above (fields.go says
// which source this follows). When a port's queue may depend only on some
// fields, Solve has the NIC hash just those (Profile.FieldsFor): the key
// then needs no zero bits to ignore the others, and those zero bits are
// what kept the low bits of the hash from seeing the low bits of the
// allowed fields. Constraints and Bits still number input bits as in the
// full 12-byte tuple; a layout maps them to their place in the narrowed
// input.
//
// # Spread of clustered traffic
//
// Besides rank over the allowed bits, Solve prefers keys under which the
// low 8 bits of every allowed field (a /24, 256 ports) reach every core at
// 2 to 32 cores, and chooses the RETA kind (round-robin or blocks) that
// does it better. PortReport.Spread certifies the result per field, and
// says which constraint prevents it where nothing can.
//
// # Constraints and the solver
//
// The analyzer says which packets must reach the same core as Constraints
// over the hashed fields. Because the hash is linear over GF(2) in the key for
// a fixed input, and in the input for a fixed key, every constraint becomes a
// set of linear equations over the key bits that feed the low b hash bits.
// Solve eliminates them exactly, draws a uniformly random key from the
// solution space and proves that it still spreads traffic: on every port the
// low b hash bits, as a linear map of the input bits the port may depend on,
// have rank b, so uniformly distributed inputs give uniformly distributed RETA
// indices. Only the b RETA-index bits are constrained, not all 32: that keeps
// a key whose queue may depend on a single field (say the destination IP)
// sensitive to the whole field rather than to its top few bits.
//
// This package imports nothing from the rest of the module; the analyzer, the
// generator and the backends import it.
package rss
