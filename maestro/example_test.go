package maestro_test

import (
	"fmt"

	"github.com/nfmaestro/maestro/maestro"
)

// A Table holds flows with a timeout: Insert gives each flow an index,
// Find looks it up, Refresh keeps it alive, Expire drops the idle ones.
// Times are the packets' (nanoseconds), never the wall clock.
func ExampleTable() {
	const second = int64(1e9)
	flows := maestro.NewTable[maestro.FlowID, int](1024, 10*second)
	a := maestro.FlowID{SrcIP: 0x0a000001, DstIP: 0x08080808, SrcPort: 5000, DstPort: 53, Proto: maestro.ProtoUDP}
	b := a
	b.SrcPort = 5001

	i, _ := flows.Insert(a, 100, 0)
	flows.Insert(b, 200, 0)
	flows.Refresh(i, 8*second) // a is seen again at t = 8 s

	expired := flows.Expire(12 * second) // b, idle for 12 s, goes
	_, aLive := flows.Find(a)
	_, bLive := flows.Find(b)
	fmt.Println(expired, aLive, bLive, flows.Len())
	// Output: 1 true false 1
}

// A Map is a fixed-capacity map: Put refuses a new key when it is full,
// instead of growing on the packet path.
func ExampleMap() {
	macs := maestro.NewMap[maestro.MAC, maestro.Port](2)
	fmt.Println(macs.Put(maestro.MAC{2, 0, 0, 0, 0, 1}, 0))
	fmt.Println(macs.Put(maestro.MAC{2, 0, 0, 0, 0, 2}, 1))
	fmt.Println(macs.Put(maestro.MAC{2, 0, 0, 0, 0, 3}, 1)) // full
	port, ok := macs.Get(maestro.MAC{2, 0, 0, 0, 0, 2})
	fmt.Println(port, ok, macs.Len())
	// Output:
	// true
	// true
	// false
	// 1 true 2
}

// A CountMin counts keys approximately in fixed memory: an estimate is
// never below the true count.
func ExampleCountMin() {
	hits := maestro.NewCountMin[uint32](1024, 4, 0)
	for range 3 {
		hits.Add(0x0a000001, 1, 0)
	}
	hits.Add(0x0a000002, 1, 0)
	fmt.Println(hits.Estimate(0x0a000001, 0), hits.Estimate(0x0a000002, 0))
	// Output: 3 1
}

// The Packet setters rewrite the frame in place and keep the IPv4 and
// UDP checksums right (incrementally, RFC 1624), as a NAT does.
func ExamplePacket_SetSrcIP() {
	frame := maestro.AppendFrame(nil, maestro.Frame{
		SrcIP: 0x0a000001, DstIP: 0x08080808, SrcPort: 5000, DstPort: 53,
		Proto: maestro.ProtoUDP, Size: 60,
	})
	var p maestro.Packet
	p.Reset(frame, 0, 0)
	p.SetSrcIP(0xc0000201) // 192.0.2.1
	p.SetSrcPort(40000)
	p.DecTTL()

	// Parse the rewritten bytes again and check the IPv4 header checksum.
	var q maestro.Packet
	q.Reset(p.Data, 0, 0)
	ip := q.Data[14 : 14+20]
	fmt.Printf("%#x %d %v\n", q.SrcIP, q.SrcPort, maestro.Checksum(ip, 0) == 0)
	// Output: 0xc0000201 40000 true
}

// A Verdict says what becomes of a packet.
func ExampleVerdict() {
	for _, v := range []maestro.Verdict{maestro.Forward(1), maestro.Drop, maestro.Flood} {
		port, ok := v.Port()
		fmt.Println(v, port, ok)
	}
	// Output:
	// forward(1) 1 true
	// drop 0 false
	// flood 0 false
}
