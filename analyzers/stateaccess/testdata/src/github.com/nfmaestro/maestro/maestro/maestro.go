// Package maestro is a minimal stub of the real package for analysistest:
// only the declarations the analyzer looks at.
package maestro

type Port uint16

type Verdict int32

const Drop Verdict = -1

func Forward(out Port) Verdict { return Verdict(out) }

type MAC [6]byte

type Packet struct {
	Data             []byte
	InPort           Port
	Time             int64
	EthDst, EthSrc   MAC
	VLAN             uint16
	SrcIP, DstIP     uint32
	Proto            uint8
	SrcPort, DstPort uint16
}

func (p *Packet) SetSrcIP(ip uint32) bool { p.SrcIP = ip; return true }

func (p *Packet) Len() int { return len(p.Data) }

type FlowID struct{ ips, ports uint64 }

func MakeFlowID(srcIP, dstIP uint32, srcPort, dstPort uint16, proto uint8) FlowID {
	return FlowID{uint64(srcIP)<<32 | uint64(dstIP), uint64(proto)<<32 | uint64(srcPort)<<16 | uint64(dstPort)}
}

func (f FlowID) SrcIP() uint32   { return uint32(f.ips >> 32) }
func (f FlowID) DstIP() uint32   { return uint32(f.ips) }
func (f FlowID) SrcPort() uint16 { return uint16(f.ports >> 16) }
func (f FlowID) DstPort() uint16 { return uint16(f.ports) }
func (f FlowID) Proto() uint8    { return uint8(f.ports >> 32) }

func (p *Packet) Flow() FlowID {
	return MakeFlowID(p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto)
}

func (f FlowID) Reverse() FlowID {
	return MakeFlowID(f.DstIP(), f.SrcIP(), f.DstPort(), f.SrcPort(), f.Proto())
}

type Table[K comparable, V any] struct{ m map[K]int }

func NewTable[K comparable, V any](capacity int, timeout int64) *Table[K, V] { return &Table[K, V]{} }
func (t *Table[K, V]) Find(k K) (int, bool)                                  { return 0, false }
func (t *Table[K, V]) Insert(k K, v V, now int64) (int, bool)                { return 0, false }
func (t *Table[K, V]) Refresh(i int, now int64) bool                         { return false }
func (t *Table[K, V]) At(i int) V                                            { var v V; return v }
func (t *Table[K, V]) Set(i int, v V) bool                                   { return false }
func (t *Table[K, V]) Len() int                                              { return 0 }
func (t *Table[K, V]) Cap() int                                              { return 0 }
func (t *Table[K, V]) Expire(now int64) int                                  { return 0 }

type Map[K comparable, V any] struct{ m map[K]V }

func (m *Map[K, V]) Get(k K) (V, bool) { v, ok := m.m[k]; return v, ok }
func (m *Map[K, V]) Put(k K, v V) bool { m.m[k] = v; return true }

type Vector[T any] struct{ v []T }

func (v *Vector[T]) At(i int) T          { return v.v[i] }
func (v *Vector[T]) Set(i int, x T) bool { v.v[i] = x; return true }
func (v *Vector[T]) Len() int            { return len(v.v) }

type CountMin[K comparable] struct{ m map[K]uint32 }

func (c *CountMin[K]) Add(k K, n uint32, now int64) uint32 { c.m[k] += n; return c.m[k] }
func (c *CountMin[K]) Estimate(k K, now int64) uint32      { return c.m[k] }
func (c *CountMin[K]) Expire(now int64) int                { return 0 }
