package soft_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/soft/traffic"
)

// fwTrace is traffic the FW answers from the WAN: every flow replied to,
// so a reply dispatched to a core without its flow's state is dropped.
func fwTrace(t *testing.T) *soft.Trace {
	t.Helper()
	c := traffic.DefaultConfig()
	c.Flows, c.Packets, c.Bidir = 2000, 20000, 1
	tr, err := traffic.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestRunNFTakesTheNFsRSS: a shared-nothing FW run through RunNF passes
// exactly the replies the sequential FW passes, concurrently on 4 cores:
// RunNF programmed the software NIC with the FW's own RSS, without being
// told. A 5-tuple hash would send half the replies to a core that never
// saw their flow.
func TestRunNFTakesTheNFsRSS(t *testing.T) {
	tr := fwTrace(t)
	seq, err := soft.RunNF(context.Background(), nic.Sequential{NF: fw.New(fw.DefaultConfig())}, soft.Job{Source: tr.Reader()})
	if err != nil {
		t.Fatal(err)
	}
	par, err := fw.NewParallelFull(fw.DefaultConfig(), 4)
	if err != nil {
		t.Fatal(err)
	}
	res, err := soft.RunNF(context.Background(), par, soft.Job{Source: tr.Reader(), Config: soft.Config{Mode: soft.Concurrent}})
	if err != nil {
		t.Fatal(err)
	}
	if seq.Ports[1].Dropped != 0 || seq.Ports[0].TX == 0 {
		t.Fatalf("sequential FW: %+v: the trace should have every reply pass", seq.Ports)
	}
	for port := range seq.Ports {
		if res.Ports[port] != seq.Ports[port] || res.Bytes[port] != seq.Bytes[port] {
			t.Errorf("port %d: parallel %+v %+v, sequential %+v %+v", port, res.Ports[port], res.Bytes[port], seq.Ports[port], seq.Bytes[port])
		}
	}
	// The same run through plain Run with a 5-tuple hash drops replies:
	// what RunNF protects from.
	par2, _ := fw.NewParallelFull(fw.DefaultConfig(), 4)
	hashed, err := soft.Run(context.Background(), tr.Reader(), par2, soft.Config{Dispatch: soft.HashDispatcher(4)})
	if err != nil {
		t.Fatal(err)
	}
	if hashed.Ports[1].Dropped == 0 {
		t.Error("a 5-tuple hash dropped no reply: the test trace cannot tell dispatchers apart")
	}
}

// TestRunNFRefusesDispatch: a shared-nothing NF refuses a dispatcher; a
// lock-based one, correct under any dispatch, accepts it.
func TestRunNFRefusesDispatch(t *testing.T) {
	tr := fwTrace(t)
	par, _ := fw.NewParallel(fw.DefaultConfig(), 2)
	_, err := soft.RunNF(context.Background(), par, soft.Job{Source: tr.Reader(), Config: soft.Config{Dispatch: soft.HashDispatcher(2)}})
	if !errors.Is(err, soft.ErrDispatch) {
		t.Fatalf("shared-nothing NF with a hash dispatcher: %v, want ErrDispatch", err)
	}
	locked, _ := fw.NewLocked(fw.DefaultConfig(), 2)
	res, err := soft.RunNF(context.Background(), locked, soft.Job{Source: tr.Reader(), Config: soft.Config{Dispatch: soft.HashDispatcher(2)}})
	if err != nil {
		t.Fatalf("lock-based NF with a hash dispatcher: %v", err)
	}
	if res.Packets != uint64(tr.Len()) || res.Ports[1].Dropped != 0 {
		t.Errorf("lock-based NF: %d packets, WAN %+v; want %d packets, no reply dropped", res.Packets, res.Ports[1], tr.Len())
	}
}

// TestRunNFFiles: pcap files in, a directory out, one file per declared
// port; bad combinations of inputs and outputs are errors.
func TestRunNFFiles(t *testing.T) {
	tr := fwTrace(t)
	in := t.TempDir()
	if err := soft.WritePcaps(in, tr, 2, false); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	par, _ := fw.NewParallel(fw.DefaultConfig(), 2)
	res, err := soft.RunNF(context.Background(), par, soft.Job{In: []string{soft.PortFile(in, 0), soft.PortFile(in, 1)}, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	// The FW declares two ports; its RSS has a third, Default, entry for
	// undeclared ports, which is no output port.
	if n := soft.DeclaredPorts(par.RSS()); n != 2 || len(res.Ports) != 2 {
		t.Fatalf("declared ports %d, result ports %d; want 2", n, len(res.Ports))
	}
	for port := range 2 {
		got, err := soft.ReadTrace(soft.PortFile(out, port))
		if err != nil {
			t.Fatal(err)
		}
		if uint64(got.Len()) != res.Ports[port].TX {
			t.Errorf("port %d: %d frames written, %d counted", port, got.Len(), res.Ports[port].TX)
		}
	}
	if _, err := os.Stat(soft.PortFile(out, 2)); err == nil {
		t.Error("a file for the Default pseudo-port was written")
	}
	for _, job := range []soft.Job{
		{},
		{In: []string{soft.PortFile(in, 0)}, Source: tr.Reader()},
		{Source: tr.Reader(), Out: out, Sink: &soft.Capture{}},
	} {
		if _, err := soft.RunNF(context.Background(), par, job); err == nil {
			t.Errorf("job %+v: no error", job)
		}
	}
	if _, err := soft.RunNF(context.Background(), par, soft.Job{In: []string{filepath.Join(in, "missing.pcap")}}); err == nil {
		t.Error("a missing capture file: no error")
	}
}

// TestBytes: per-port byte counts are the frame lengths received and sent.
func TestBytes(t *testing.T) {
	tr := &soft.Trace{NumPorts: 2}
	for i := range 10 {
		tr.Add(maestro.Port(i%2), int64(i), frame(uint16(2+4*i)), 0) // forward to the other port
	}
	tr.Add(0, 10, frame(0)[:40], 100) // truncated capture, dropped: counts its wire length
	res, err := soft.Run(context.Background(), tr.Reader(), nic.Sequential{NF: script{2}}, soft.Config{})
	if err != nil {
		t.Fatal(err)
	}
	n := uint64(len(frame(0)))
	want := []soft.Bytes{{RX: 5*n + 100, TX: 5 * n}, {RX: 5 * n, TX: 5 * n}}
	for port, w := range want {
		if res.Bytes[port] != w {
			t.Errorf("port %d: %+v, want %+v", port, res.Bytes[port], w)
		}
	}
}

// TestHashDispatcherMixes: at a power-of-two core count, the 5-tuple hash
// sends a flow's reply to the request's core about once in cores (FNV-1a's
// low bits alone depend only on the low bits of each byte, and put nearly
// every reply on its request's core), and spreads the flows evenly.
func TestHashDispatcherMixes(t *testing.T) {
	const cores, flows = 4, 4000
	d := soft.HashDispatcher(cores)
	same := 0
	load := make([]int, cores)
	for i := range flows {
		f := maestro.Frame{SrcIP: 0x0a000000 + uint32(i)*7919, DstIP: 0x0b000001 + uint32(i%13), SrcPort: uint16(1024 + i), DstPort: 53, Proto: maestro.ProtoUDP, Size: 60}
		var req, rep maestro.Packet
		req.Reset(maestro.AppendFrame(nil, f), 0, 0)
		f.SrcIP, f.DstIP, f.SrcPort, f.DstPort = f.DstIP, f.SrcIP, f.DstPort, f.SrcPort
		rep.Reset(maestro.AppendFrame(nil, f), 1, 0)
		q := d(&req)
		load[q]++
		if d(&rep) == q {
			same++
		}
	}
	if share := float64(same) / flows; share < 0.15 || share > 0.35 {
		t.Errorf("%.2f of the replies reach their request's core, want about 1/%d", share, cores)
	}
	for core, n := range load {
		if n < flows/cores*8/10 || n > flows/cores*12/10 {
			t.Errorf("core %d gets %d of %d flows", core, n, flows)
		}
	}
}
