//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/verifywrite"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// verifywriteTestConfig expires state within the traces, so expiry is compared too.
var verifywriteTestConfig = verifywrite.Config{Timeout: 2 * time.Millisecond}

// TestVerifywrite_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifywrite_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	d := verifywrite.DefaultConfig()
	advtest.Check[verifywrite.NAT](t, func() maestro.NF { return verifywrite.New(verifywriteTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifywrite.NewParallel(verifywriteTestConfig, cores)
		},
		advtest.Options{
			NAT: &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: verifywrite.LAN, WAN: verifywrite.WAN, Timeout: int64(verifywriteTestConfig.Timeout)},
			Extra: []maestrotest.Trace{
				advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, verifywrite.WAN, d.ExternalIP, d.StartPort, 512),
			}})
}

// TestVerifywrite_TrafficCatchesWrongPlan checks that the spoofed trace exercises the
// pattern: the catalog NAT's plan, sharding by server (LAN DstIP, WAN
// SrcIP) under the verified-access rule, must show.
func TestVerifywrite_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	d := verifywrite.DefaultConfig()
	tr := advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, verifywrite.WAN, d.ExternalIP, d.StartPort, 512)
	ip := []rss.Bits{rss.Whole(rss.DstIP)}
	advtest.CatchesPlan(t, tr, &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: verifywrite.LAN, WAN: verifywrite.WAN, Timeout: int64(verifywriteTestConfig.Timeout)},
		func() maestro.NF { return verifywrite.New(verifywriteTestConfig) },
		rss.DependsOn(0, "", ip...), rss.DependsOn(1, "", rss.Whole(rss.SrcIP)),
		rss.Same(0, ip, 1, []rss.Bits{rss.Whole(rss.SrcIP)}, ""))
}
