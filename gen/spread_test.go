package gen

import (
	"strings"
	"testing"

	"github.com/nfmaestro/maestro/nic/rss"
)

// The plan says which fields each port hashes and prints the spread
// certificate: the Policer's WAN port hashes only DstIP (l3-dst-only on the
// default E810 profile) and a /24 of destinations reaches all 32 cores; on
// the 82599, which hashes whole tuples only, the certificate says why not.
func TestPlanHashesAndSpread(t *testing.T) {
	p := catalogPlans()["policer"]
	d, err := Decide(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wan := d.Plan.RSS[1]
	if strings.Join(wan.Hashes, ",") != "DstIP" || !strings.Contains(wan.Hash, "l3-dst-only") {
		t.Errorf("WAN hashes %v (%s), want DstIP (l3-dst-only)", wan.Hashes, wan.Hash)
	}
	if d.Keys[1].Fields.Hashed() != 1<<rss.DstIP {
		t.Errorf("generated WAN fields %v hash %v", d.Keys[1].Fields, d.Keys[1].Fields.Hashed())
	}
	if len(wan.Spread) != 1 || !strings.HasPrefix(wan.Spread[0], "DstIP: 2 cores /") || strings.Contains(wan.Spread[0], "never") {
		t.Errorf("WAN spread %q", wan.Spread)
	}
	ex := d.Plan.Explain()
	for _, want := range []string{"hashes DstIP;", "RSS spread, port 1 (hashes DstIP):", "  DstIP: 2 cores /"} {
		if !strings.Contains(ex, want) {
			t.Errorf("explanation lacks %q:\n%s", want, ex)
		}
	}
	if SpreadCertificate(d.Plan) == "" || !strings.Contains(ex, SpreadCertificate(d.Plan)) {
		t.Error("Explain does not include SpreadCertificate")
	}

	old, err := Decide(p, Options{NIC: "82599"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(old.Plan.RSS[1].Hashes, ",") != "SrcIP,DstIP,SrcPort,DstPort" {
		t.Errorf("82599 WAN hashes %v, want the whole tuple", old.Plan.RSS[1].Hashes)
	}
}
