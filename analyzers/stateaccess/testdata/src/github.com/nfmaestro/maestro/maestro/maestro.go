// Package maestro is a minimal stub of the real package for analysistest:
// only the declarations the analyzer looks at.
package maestro

type Port uint16

type Verdict int32

const Drop Verdict = -1

func Forward(out Port) Verdict { return Verdict(out) }

type MAC [6]byte

type Packet struct {
	InPort           Port
	Time             int64
	EthDst, EthSrc   MAC
	VLAN             uint16
	SrcIP, DstIP     uint32
	Proto            uint8
	SrcPort, DstPort uint16
}

func (p *Packet) SetSrcIP(ip uint32) bool { p.SrcIP = ip; return true }

type FlowID struct {
	SrcIP, DstIP     uint32
	SrcPort, DstPort uint16
	Proto            uint8
	_                [3]byte
}

func (p *Packet) Flow() FlowID {
	return FlowID{SrcIP: p.SrcIP, DstIP: p.DstIP, SrcPort: p.SrcPort, DstPort: p.DstPort, Proto: p.Proto}
}

func (f FlowID) Reverse() FlowID {
	return FlowID{SrcIP: f.DstIP, DstIP: f.SrcIP, SrcPort: f.DstPort, DstPort: f.SrcPort, Proto: f.Proto}
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
