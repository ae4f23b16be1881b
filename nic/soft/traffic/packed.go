package traffic

import (
	"fmt"
	"io"
	"math"

	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic/soft"
)

// Packed is a generated trace held in memory in little more than its
// frames' bytes: the frames' data back to back in a few large blocks (one,
// when every frame has the same size), and an 8-byte record per frame
// (length, port, time since the previous frame). A soft.Trace spends a
// 48-byte Frame per frame on top of the data, which for 64-byte frames is
// more than the data itself; Packed is for traces held only to be replayed
// (nfrun), where a soft.Trace's random access is not needed.
type Packed struct {
	ports  int
	recs   []packedRec
	blocks [][]byte // filled blocks; frames never span two
	far    []int64  // times of the frames whose record has farTime, in order
	bytes  int64    // data bytes
}

// packedRec describes one frame of a Packed trace.
type packedRec struct {
	// dt is the frame's time less the previous frame's (the first frame's:
	// less 0), or farTime when that does not fit: the time is then the
	// next entry of Packed.far.
	dt   uint32
	len  uint16
	port maestro.Port
}

// farTime marks a record whose time is in Packed.far.
const farTime = math.MaxUint32

// Block sizes of a Packed trace's data. maxBlock bounds any one
// allocation (and the one made before the first frame, whatever Packets
// says); minBlock keeps the blocks made after an underestimate few.
const (
	minBlock = 1 << 20
	maxBlock = 1 << 30
	// maxPrealloc bounds the records allocated before the first frame.
	maxPrealloc = maxBlock / 8
)

// PackedBytes returns about how many bytes GeneratePacked holds for the
// trace c describes: the frames at their mean size (without the FCS) and
// an 8-byte record each. It is exact when c has one frame size and no
// hostile traffic.
func PackedBytes(c Config) int64 {
	return int64(c.Packets) * (meanFrame(c) + 8)
}

// meanFrame returns the mean stored frame length of c's sizes (the FCS is
// not stored).
func meanFrame(c Config) int64 {
	if len(c.Sizes) == 0 {
		return 0
	}
	var sum int64
	for _, s := range c.Sizes {
		sum += int64(s - 4)
	}
	return sum / int64(len(c.Sizes))
}

// GeneratePacked builds the trace c describes, in memory, as a Packed
// trace: the frames NewSource and Generate produce, in the same order,
// with the same bytes, ports and times. Its memory is sized from c before
// the first frame (exactly, for one frame size and no hostile traffic), so
// that building it makes no garbage to speak of.
func GeneratePacked(c Config) (*Packed, error) {
	s, err := NewSource(c)
	if err != nil {
		return nil, err
	}
	p := &Packed{ports: s.Ports(), recs: make([]packedRec, 0, min(c.Packets, maxPrealloc))}
	first := min(int64(c.Packets)*meanFrame(c), maxBlock)
	// Hostile events and size mixes may need more than the estimate:
	// further blocks of a sixteenth of it each.
	next := min(max(first/16, minBlock), maxBlock)
	cur := make([]byte, 0, max(first, MaxSize))
	var prev int64
	for {
		f, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		n := len(f.Data)
		if n > math.MaxUint16 {
			return nil, fmt.Errorf("traffic: frame %d of %d bytes is too long to hold", len(p.recs), n)
		}
		if len(cur)+n > cap(cur) {
			p.blocks = append(p.blocks, cur)
			cur = make([]byte, 0, max(next, int64(n)))
		}
		cur = append(cur, f.Data...)
		r := packedRec{dt: farTime, len: uint16(n), port: f.Port}
		if d := f.Time - prev; d >= 0 && d < farTime {
			r.dt = uint32(d)
		} else {
			p.far = append(p.far, f.Time)
		}
		prev = f.Time
		p.recs = append(p.recs, r)
		p.bytes += int64(n)
	}
	p.blocks = append(p.blocks, cur)
	return p, nil
}

// Len returns the number of frames.
func (p *Packed) Len() int { return len(p.recs) }

// DataBytes returns the total length of the frames.
func (p *Packed) DataBytes() int64 { return p.bytes }

// Reader returns a Source that replays p from the start. Readers do not
// modify p, so several may replay it concurrently; the frames they return
// point into p, and Next does not allocate.
func (p *Packed) Reader() *PackedReader { return &PackedReader{p: p} }

// PackedReader replays a Packed trace; it implements soft.Source.
type PackedReader struct {
	p     *Packed
	i     int   // next record
	block int   // block of the next frame
	off   int   // its offset in the block
	far   int   // next entry of p.far
	time  int64 // the previous frame's time
}

// Ports returns the number of ports the frames arrive on.
func (r *PackedReader) Ports() int { return r.p.ports }

// Next returns the next frame, or io.EOF after the last.
func (r *PackedReader) Next() (soft.Frame, error) {
	p := r.p
	if r.i >= len(p.recs) {
		return soft.Frame{}, io.EOF
	}
	rec := p.recs[r.i]
	r.i++
	n := int(rec.len)
	// GeneratePacked started a new block exactly when the frame did not
	// fit in the current one; the filled length of a block is where it
	// stopped.
	if r.off+n > len(p.blocks[r.block]) {
		r.block++
		r.off = 0
	}
	b := p.blocks[r.block]
	data := b[r.off : r.off+n : r.off+n]
	r.off += n
	if rec.dt == farTime {
		r.time = p.far[r.far]
		r.far++
	} else {
		r.time += int64(rec.dt)
	}
	return soft.Frame{Port: rec.port, Time: r.time, Data: data}, nil
}
