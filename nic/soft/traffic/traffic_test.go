package traffic

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/nfmaestro/maestro/maestro"
)

func small() Config {
	c := DefaultConfig()
	c.Flows = 100
	c.Packets = 2000
	return c
}

func TestDeterministic(t *testing.T) {
	c := small()
	c.Proto = Mix
	c.Sizes = IMIX
	c.Churn = 1e5
	a, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(c)
	c.Seed++
	other, _ := Generate(c)
	same, differ := true, false
	for i := range a.Frames {
		fa, fb, fo := a.Frames[i], b.Frames[i], other.Frames[i]
		if fa.Port != fb.Port || fa.Time != fb.Time || !bytes.Equal(fa.Data, fb.Data) {
			same = false
		}
		if !bytes.Equal(fa.Data, fo.Data) {
			differ = true
		}
	}
	if !same || len(a.Frames) != len(b.Frames) {
		t.Error("the same seed gave different traces")
	}
	if !differ {
		t.Error("different seeds gave the same trace")
	}
}

type fiveTuple struct {
	src, dst     uint32
	sport, dport uint16
	proto        uint8
}

func TestFramesAreValid(t *testing.T) {
	c := small()
	c.Proto = Mix
	c.Sizes = []int{64, 1518}
	c.Bidir = 1
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	if tr.NumPorts != 2 || len(tr.Frames) != c.Packets {
		t.Fatalf("%d ports, %d frames", tr.NumPorts, len(tr.Frames))
	}
	fwd := map[fiveTuple]bool{}
	protos := map[uint8]int{}
	for i, f := range tr.Frames {
		if f.Time != c.Start+int64(i)*100 { // 10 Mpps: 100 ns apart
			t.Fatalf("frame %d at %d", i, f.Time)
		}
		if n := len(f.Data); n != 60 && n != 1514 {
			t.Fatalf("frame %d: %d bytes", i, n)
		}
		// Decode with gopacket, an independent parser, checking checksums.
		pkt := gopacket.NewPacket(f.Data, layers.LayerTypeEthernet, gopacket.Default)
		ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if ip == nil {
			t.Fatalf("frame %d: no IPv4 layer: %v", i, pkt.ErrorLayer())
		}
		hdr := bytes.Clone(f.Data[14:34])
		if maestro.Checksum(hdr, 0) != 0 {
			t.Fatalf("frame %d: bad IPv4 checksum", i)
		}
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		if p.Reason != maestro.ReasonOK || !p.HasPorts() {
			t.Fatalf("frame %d: parse %v", i, p.Reason)
		}
		protos[p.Proto]++
		k := fiveTuple{p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto}
		if f.Port == 0 {
			if p.SrcIP>>24 != 10 {
				t.Fatalf("frame %d: LAN packet from %x", i, p.SrcIP)
			}
			fwd[k] = true
			continue
		}
		// A reply: swapped addresses, ports and MACs of a flow already seen.
		if !fwd[fiveTuple{p.DstIP, p.SrcIP, p.DstPort, p.SrcPort, p.Proto}] {
			t.Fatalf("frame %d: reply on port 1 without a prior LAN packet", i)
		}
		if p.EthSrc[2] != byte(p.SrcIP>>24) || p.EthDst[5] != byte(p.DstIP) {
			t.Fatalf("frame %d: MACs %v %v not those of %x -> %x", i, p.EthSrc, p.EthDst, p.SrcIP, p.DstIP)
		}
	}
	if len(fwd) != c.Flows {
		t.Errorf("%d distinct flows, want %d", len(fwd), c.Flows)
	}
	if protos[maestro.ProtoTCP] == 0 || protos[maestro.ProtoUDP] == 0 {
		t.Errorf("mix gave %v", protos)
	}
}

// flowCounts returns how many packets each LAN flow sent.
func flowCounts(t *testing.T, c Config) map[fiveTuple]int {
	t.Helper()
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	n := map[fiveTuple]int{}
	for _, f := range tr.Frames {
		var p maestro.Packet
		p.Reset(f.Data, f.Port, f.Time)
		n[fiveTuple{p.SrcIP, p.DstIP, p.SrcPort, p.DstPort, p.Proto}]++
	}
	return n
}

func TestZipfSkewAndChurn(t *testing.T) {
	c := small()
	c.Bidir = 0
	c.Packets = 20000
	top := func(n map[fiveTuple]int) int {
		m := 0
		for _, v := range n {
			m = max(m, v)
		}
		return m
	}
	uniform := top(flowCounts(t, c))
	c.Dist, c.ZipfS = Zipf, 1.2
	zipf := top(flowCounts(t, c))
	// With 100 flows at s=1.2 the top flow has ~1/4.4 of the traffic; under
	// uniform, each flow has ~1%.
	if uniform > 400 || zipf < 3000 {
		t.Errorf("heaviest flow: %d packets uniform, %d zipf", uniform, zipf)
	}
	// 20000 packets at 10 Mpps last 2 ms: 1e6 new flows/s replace 2000.
	c.Dist, c.Churn = Uniform, 1e6
	if n := len(flowCounts(t, c)); n < 2000 || n > 2100 {
		t.Errorf("churn: %d distinct flows, want about 2100", n)
	}
}

func TestMultiPort(t *testing.T) {
	c := small()
	c.Ports = 4
	c.Bidir = 1
	tr, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	per := make([]int, 4)
	for _, f := range tr.Frames {
		per[f.Port]++
	}
	for port, n := range per {
		if n == 0 {
			t.Errorf("port %d received nothing: %v", port, per)
		}
	}
	// Each flow alternates request and reply, starting with the request.
	if lan := per[0] + per[1] + per[2]; per[3] > lan || per[3] < c.Packets/2-c.Flows {
		t.Errorf("replies on the last port: %v", per)
	}
}

func TestValidate(t *testing.T) {
	for _, mod := range []func(*Config){
		func(c *Config) { c.Ports = 0 },
		func(c *Config) { c.Flows = 0 },
		func(c *Config) { c.Packets = -1 },
		func(c *Config) { c.Rate = 0 },
		func(c *Config) { c.Bidir = 1.5 },
		func(c *Config) { c.Churn = -1 },
		func(c *Config) { c.ZipfS = -1 },
		func(c *Config) { c.Sizes = nil },
		func(c *Config) { c.Sizes = []int{63} },
		func(c *Config) { c.Proto = 7 },
		func(c *Config) { c.Rate = 1e-9; c.Packets = 1e9 },
	} {
		c := DefaultConfig()
		mod(&c)
		if _, err := Generate(c); err == nil {
			t.Errorf("invalid config %+v accepted", c)
		}
	}
}

func TestFlags(t *testing.T) {
	parse := func(args ...string) (Config, error) {
		c := DefaultConfig()
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		c.RegisterFlags(fs)
		err := fs.Parse(args)
		return c, err
	}
	c, err := parse("-bidir", "-sizes", "imix", "-dist", "zipf", "-proto", "tcp", "-flows", "7")
	if err != nil || c.Bidir != 1 || len(c.Sizes) != len(IMIX) || c.Dist != Zipf || c.Proto != TCP || c.Flows != 7 {
		t.Errorf("parsed %+v, %v", c, err)
	}
	c, err = parse("-bidir=0.25", "-sizes", "64,128")
	if err != nil || c.Bidir != 0.25 || len(c.Sizes) != 2 {
		t.Errorf("parsed %+v, %v", c, err)
	}
	if c, _ = parse("-bidir=false"); c.Bidir != 0 {
		t.Errorf("-bidir=false gave %v", c.Bidir)
	}
	for _, bad := range [][]string{{"-bidir=2"}, {"-sizes", "big"}, {"-sizes", "20"}, {"-dist", "normal"}, {"-proto", "sctp"}} {
		if _, err := parse(bad...); err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("%v: err = %v", bad, err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	defer reportBytesPerFrame(b, 100000)()
	c := DefaultConfig()
	c.Packets = 100000
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(c); err != nil {
			b.Fatal(err)
		}
	}
}
