package soft

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Loop returns a Source that plays the sources open returns n times over,
// one after the other (open is called once per pass, so a pass can reopen
// files and stream them again). Every pass after the first is shifted in
// time to start one average inter-frame gap of the first pass after the
// previous pass's last frame, so timestamps keep increasing and -speed
// pacing keeps the capture's rhythm. Each pass's Source is closed, when it
// is an io.Closer, once it is played out; Close closes the current one.
func Loop(open func() (Source, error), n int) (*Looper, error) {
	if n < 1 {
		return nil, fmt.Errorf("soft: loop %d times: need at least 1", n)
	}
	src, err := open()
	if err != nil {
		return nil, err
	}
	return &Looper{open: open, left: n - 1, cur: src, ports: src.Ports()}, nil
}

// Looper is the Source Loop returns.
type Looper struct {
	open  func() (Source, error)
	left  int // passes still to open after the current one
	cur   Source
	ports int
	pass  int

	shift       int64 // added to the current pass's timestamps
	first, last int64 // the first pass's first and last timestamps
	count       int64 // frames in the first pass
	end         int64 // the last timestamp returned
}

// Ports returns the first pass's number of ports.
func (l *Looper) Ports() int { return l.ports }

// Passes returns how many passes have started so far.
func (l *Looper) Passes() int { return l.pass + 1 }

// Next returns the next frame of the current pass, opening the next pass
// at the end of one, and io.EOF after the last.
func (l *Looper) Next() (Frame, error) {
	for {
		if l.cur == nil {
			return Frame{}, io.EOF
		}
		f, err := l.cur.Next()
		if err == nil {
			if l.pass == 0 {
				if l.count == 0 {
					l.first = f.Time
				}
				l.last = f.Time
				l.count++
			}
			f.Time += l.shift
			l.end = f.Time
			return f, nil
		}
		if err != io.EOF {
			return f, err
		}
		if err := l.closeCur(); err != nil {
			return Frame{}, err
		}
		if l.left == 0 || l.count == 0 {
			return Frame{}, io.EOF
		}
		next, err := l.open()
		if err != nil {
			return Frame{}, err
		}
		if next.Ports() != l.ports {
			closeSource(next)
			return Frame{}, fmt.Errorf("soft: loop pass %d has %d ports, the first had %d", l.pass+2, next.Ports(), l.ports)
		}
		l.cur, l.left, l.pass = next, l.left-1, l.pass+1
		l.shift = l.end + l.gap() - l.first
	}
}

// gap is the first pass's average time between frames (at least 1 ns).
func (l *Looper) gap() int64 {
	if l.count < 2 {
		return 1
	}
	return max((l.last-l.first)/(l.count-1), 1)
}

func (l *Looper) closeCur() error {
	err := closeSource(l.cur)
	l.cur = nil
	return err
}

// Drain drains the current pass's Source (Drainer), if it is one.
func (l *Looper) Drain(cause error) bool { return l.cur != nil && drain(l.cur, cause) }

// Close closes the current pass's Source, if it is an io.Closer.
func (l *Looper) Close() error { return l.closeCur() }

func closeSource(s Source) error {
	if c, ok := s.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Pacing says how fast Pace replays a source. At most one of PPS and Speed
// is set; neither means as fast as possible.
type Pacing struct {
	// PPS replays at this many packets per second, whatever the
	// timestamps: frame i is due i/PPS seconds after the first.
	PPS float64
	// Speed replays at this multiple of capture time: a frame is due
	// (its time - the first frame's time) / Speed after the first (1 is
	// real time, 2 twice as fast).
	Speed float64
}

// Validate reports a bad Pacing.
func (p Pacing) Validate() error {
	switch {
	case p.PPS != 0 && p.Speed != 0:
		return errors.New("pace by packets per second or by a multiple of capture time, not both")
	case p.PPS < 0 || math.IsNaN(p.PPS) || math.IsInf(p.PPS, 0):
		return fmt.Errorf("packets per second %v: need a finite number > 0", p.PPS)
	case p.Speed < 0 || math.IsNaN(p.Speed) || math.IsInf(p.Speed, 0):
		return fmt.Errorf("speed %v: need a finite multiple > 0", p.Speed)
	}
	return nil
}

// Due returns when frame i (0-based) of time t (ns) is due, relative to the
// first frame's release, for a source whose first frame has time first. A
// frame whose timestamp goes back before the first is due at once.
func (p Pacing) Due(i int, t, first int64) time.Duration {
	switch {
	case p.PPS > 0:
		return time.Duration(float64(i) / p.PPS * 1e9)
	case p.Speed > 0:
		return time.Duration(float64(max(t-first, 0)) / p.Speed)
	}
	return 0
}

// slack is how far ahead of schedule a Paced source may run before it
// sleeps: sleeping per packet would cost more than a packet's time at high
// rates, so frames are released in small bursts at the right average rate.
const slack = time.Millisecond

// Pace returns a Source that releases src's frames no earlier than p's
// schedule says, counted from the first Next call. Waiting stops, with
// ctx's error, when ctx is done; if src is a Drainer that drains, its frames
// come without waiting instead, until it fails. Pace with a zero Pacing
// returns src.
func Pace(ctx context.Context, src Source, p Pacing) (Source, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("soft: %w", err)
	}
	if p == (Pacing{}) {
		return src, nil
	}
	return &paced{ctx: ctx, src: src, p: p, now: time.Now}, nil
}

type paced struct {
	ctx   context.Context
	src   Source
	p     Pacing
	now   func() time.Time
	start time.Time
	first int64
	i     int

	// The next frame, read ahead by Ready; its Data stays valid since src
	// is not read again before Next returns it.
	peek    Frame
	peekErr error
	peeked  bool
}

func (s *paced) Ports() int { return s.src.Ports() }

// Ready reports whether the next frame is due (within the slack), reading
// it ahead: a paced source implements Waiter.
func (s *paced) Ready() bool {
	if !s.peeked {
		s.peek, s.peekErr = s.src.Next()
		s.peeked = true
	}
	if s.peekErr != nil || s.i == 0 {
		return true
	}
	return s.p.Due(s.i, s.peek.Time, s.first)-s.now().Sub(s.start) <= slack
}

func (s *paced) Next() (Frame, error) {
	f, err := s.peek, s.peekErr
	if !s.peeked {
		f, err = s.src.Next()
	}
	s.peeked = false
	if err != nil {
		return f, err
	}
	if s.i == 0 {
		s.start, s.first = s.now(), f.Time
	}
	due := s.p.Due(s.i, f.Time, s.first)
	s.i++
	if wait := due - s.now().Sub(s.start); wait > slack {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			if drain(s.src, s.ctx.Err()) {
				return f, nil // read already: processed now, not lost
			}
			return Frame{}, s.ctx.Err()
		}
	}
	return f, nil
}

// Drain drains the paced source (Drainer), if it is one.
func (s *paced) Drain(cause error) bool { return drain(s.src, cause) }

// Close closes the paced source, if it is an io.Closer.
func (s *paced) Close() error { return closeSource(s.src) }
