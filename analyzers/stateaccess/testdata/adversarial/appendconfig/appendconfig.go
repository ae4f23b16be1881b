// Package appendconfig is an adversarial NF (issue 11, class 2): a filter that
// builds the list of addresses to check by appending the packet's source
// to a configured prefix list, list := append(f.blocked, p.SrcIP), and
// searches it. The field is never assigned.
//
// The constructor gave f.blocked spare capacity, so append writes into the
// shared backing array, past its length, on every packet of every core. A
// store into configuration memory (here by append) is MAE013. Expected:
// {refused:MAE013}.
package appendconfig

import "github.com/nfmaestro/maestro/maestro"

// Block drops packets to blocked addresses and packets whose source equals
// their destination (which it checks by adding the source to the list).
//
//maestro:nf
type Block struct {
	blocked []uint32
}

// New returns a Block for the given addresses.
func New(addrs []uint32) *Block {
	b := make([]uint32, len(addrs), len(addrs)+16)
	copy(b, addrs)
	return &Block{blocked: b}
}

// Process filters one packet.
func (b *Block) Process(p *maestro.Packet) maestro.Verdict {
	list := append(b.blocked, p.SrcIP) // want MAE013|MAE001
	for _, a := range list {
		if a == p.DstIP {
			return maestro.Drop
		}
	}
	return maestro.Forward(1 - p.InPort&1)
}
