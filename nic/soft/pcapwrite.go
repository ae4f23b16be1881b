package soft

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// PortFile returns the name of port's capture file in dir: DIR/port<N>.pcap.
func PortFile(dir string, port int) string {
	return filepath.Join(dir, fmt.Sprintf("port%d.pcap", port))
}

// PcapDir writes one pcap file per port, DIR/port<N>.pcap, with the
// Ethernet link type; it implements Sink.
//
// Every port's file is created up front by CreatePcaps, so a port that sends
// nothing still gets a valid, empty capture: "no output" is then visible as
// such rather than confused with a missing run. Timestamps are written with
// nanosecond resolution unless Micro was asked for (which truncates them to
// microseconds, for tools that only read classic pcaps).
type PcapDir struct {
	dir   string
	files []*os.File
	bufs  []*bufio.Writer
	ws    []*pcapgo.Writer
}

// snaplen written in the file headers: large enough for any frame the
// runner produces (jumbo frames included).
const writeSnaplen = MaxRecord

// CreatePcaps creates dir if needed and DIR/port<N>.pcap for N in
// [0, ports), truncating existing files. micro selects microsecond
// timestamps instead of nanoseconds.
func CreatePcaps(dir string, ports int, micro bool) (*PcapDir, error) {
	if ports <= 0 {
		return nil, fmt.Errorf("soft: cannot write %d ports", ports)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	d := &PcapDir{dir: dir}
	for port := range ports {
		f, err := os.Create(PortFile(dir, port))
		if err != nil {
			d.Close()
			return nil, err
		}
		b := bufio.NewWriterSize(f, 1<<16)
		var w *pcapgo.Writer
		if micro {
			w = pcapgo.NewWriter(b)
		} else {
			w = pcapgo.NewWriterNanos(b)
		}
		d.files = append(d.files, f)
		d.bufs = append(d.bufs, b)
		d.ws = append(d.ws, w)
		if err := w.WriteFileHeader(writeSnaplen, layers.LinkTypeEthernet); err != nil {
			d.Close()
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
	}
	return d, nil
}

// Write appends f to the capture of port f.Port.
func (d *PcapDir) Write(f Frame) error {
	if int(f.Port) >= len(d.ws) {
		return fmt.Errorf("soft: frame for port %d, but only %d output files in %s", f.Port, len(d.ws), d.dir)
	}
	ci := gopacket.CaptureInfo{
		Timestamp:     time.Unix(0, f.Time),
		CaptureLength: len(f.Data),
		Length:        f.WireLen(),
	}
	if err := d.ws[f.Port].WritePacket(ci, f.Data); err != nil {
		return fmt.Errorf("%s: %w", d.files[f.Port].Name(), err)
	}
	return nil
}

// Close flushes and closes every file and returns the first error.
func (d *PcapDir) Close() error {
	var errs []error
	for i, f := range d.files {
		if f == nil {
			continue
		}
		if err := d.bufs[i].Flush(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.Name(), err))
		}
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
		d.files[i] = nil
	}
	return errors.Join(errs...)
}

// WritePcaps writes t as DIR/port<N>.pcap, one file per port of t (at least
// ports files), each frame to the file of the port it arrives on.
func WritePcaps(dir string, t *Trace, ports int, micro bool) error {
	d, err := CreatePcaps(dir, max(ports, t.NumPorts), micro)
	if err != nil {
		return err
	}
	for _, f := range t.Frames {
		if err := d.Write(f); err != nil {
			d.Close()
			return err
		}
	}
	return d.Close()
}
