package rss

// Constraint sets shaped like those the analyzer derives for the NF catalog
// (NFS.md). Port 0 is LAN, port 1 is WAN.

const (
	lan = 0
	wan = 1
)

var (
	tuple    = []Bits{Whole(SrcIP), Whole(DstIP), Whole(SrcPort), Whole(DstPort)}
	reversed = []Bits{Whole(DstIP), Whole(SrcIP), Whole(DstPort), Whole(SrcPort)}
)

var catalog = []struct {
	name string
	cs   []Constraint
}{
	{"NOP", nil},
	{"FW", []Constraint{
		Same(lan, tuple, lan, tuple, "fw.go:30: flows.Refresh keyed by (src,dst,sport,dport) on LAN"),
		Same(lan, tuple, wan, reversed, "fw.go:41: flows.Find keyed by reversed 5-tuple on WAN"),
	}},
	{"NAT", []Constraint{
		Same(lan, tuple, lan, tuple, "nat.go:50: flows.Find keyed by internal 5-tuple"),
		Same(lan, []Bits{Whole(DstIP)}, wan, []Bits{Whole(SrcIP)}, "nat.go:77: WAN check against the flow's server"),
	}},
	{"Policer", []Constraint{
		DependsOn(wan, "policer.go:25: buckets.Find keyed by DstIP", Whole(DstIP)),
	}},
	{"PSD", []Constraint{
		DependsOn(wan, "psd.go:30: counts.Find keyed by SrcIP", Whole(SrcIP)),
		DependsOn(wan, "psd.go:35: seen.Find keyed by (SrcIP,DstPort)", Whole(SrcIP), Whole(DstPort)),
	}},
	{"CL", []Constraint{
		Same(lan, tuple, lan, tuple, "cl.go:40: flows.Find keyed by 5-tuple"),
		DependsOn(lan, "cl.go:52: sketch.Add keyed by (SrcIP,DstIP)", Whole(SrcIP), Whole(DstIP)),
		Same(lan, []Bits{Whole(SrcIP), Whole(DstIP)}, lan, []Bits{Whole(SrcIP), Whole(DstIP)}, "cl.go:55: sketch.Estimate keyed by (SrcIP,DstIP)"),
	}},
	{"HHH", []Constraint{
		DependsOn(lan, "hhh.go:20: t28.Find keyed by SrcIP/28", Bits{SrcIP, 0xfffffff0}),
		DependsOn(lan, "hhh.go:21: t30.Find keyed by SrcIP/30", Prefix(SrcIP, 30)),
		DependsOn(lan, "hhh.go:22: t32.Find keyed by SrcIP", Whole(SrcIP)),
	}},
	{"Symmetric", []Constraint{ // both directions of a flow on one port
		Same(lan, tuple, lan, reversed, "sym.go:10: conn.Find keyed by sorted tuple"),
	}},
	{"NATports", []Constraint{ // stretch: server IP and port
		Same(lan, []Bits{Whole(DstIP), Whole(DstPort)}, wan, []Bits{Whole(SrcIP), Whole(SrcPort)}, "nat.go:80: keyed by server (IP, port)"),
	}},
	{"NATpooled", []Constraint{ // issue 16: external ports allocated RSS-aware
		DependsOn(lan, "nat.go:128: flows.Find keyed by internal 5-tuple", tuple...),
		DependsOn(wan, "nat.go:145: flows.IndexOf keyed by the external port", Whole(DstPort)),
	}},
}
