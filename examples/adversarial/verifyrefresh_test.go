//go:build !maestrogen

package adversarial_test

import (
	"testing"
	"time"

	"github.com/nfmaestro/maestro/examples/adversarial/internal/advtest"
	"github.com/nfmaestro/maestro/examples/adversarial/verifyrefresh"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/maestro/maestrotest"
	"github.com/nfmaestro/maestro/nic/rss"
)

// verifyrefreshTestConfig expires state within the traces, so expiry is compared too.
var verifyrefreshTestConfig = verifyrefresh.Config{Timeout: 2 * time.Millisecond}

// TestVerifyrefresh_ParallelMatchesSequential runs the standard traces and one with
// unsolicited WAN packets to live external ports from the wrong servers.
func TestVerifyrefresh_ParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	d := verifyrefresh.DefaultConfig()
	advtest.Check[verifyrefresh.NAT](t, func() maestro.NF { return verifyrefresh.New(verifyrefreshTestConfig) },
		func(cores int) (maestrotest.Parallel, error) {
			return verifyrefresh.NewParallel(verifyrefreshTestConfig, cores)
		},
		advtest.Options{
			NAT: &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: verifyrefresh.LAN, WAN: verifyrefresh.WAN, Timeout: int64(verifyrefreshTestConfig.Timeout)},
			Extra: []maestrotest.Trace{
				advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, verifyrefresh.WAN, d.ExternalIP, d.StartPort, 512),
			}})
}

// TestVerifyrefresh_TrafficCatchesWrongPlan checks that the spoofed trace exercises the
// pattern: the catalog NAT's plan, sharding by server (LAN DstIP, WAN
// SrcIP) under the verified-access rule, must show.
func TestVerifyrefresh_TrafficCatchesWrongPlan(t *testing.T) {
	t.Parallel()
	d := verifyrefresh.DefaultConfig()
	tr := advtest.WithSpoofed(advtest.Bidir(t, "bidir"), 4, verifyrefresh.WAN, d.ExternalIP, d.StartPort, 512)
	ip := []rss.Bits{rss.Whole(rss.DstIP)}
	advtest.CatchesPlan(t, tr, &maestrotest.NAT{ExternalIP: d.ExternalIP, LAN: verifyrefresh.LAN, WAN: verifyrefresh.WAN, Timeout: int64(verifyrefreshTestConfig.Timeout)},
		func() maestro.NF { return verifyrefresh.New(verifyrefreshTestConfig) },
		rss.DependsOn(0, "", ip...), rss.DependsOn(1, "", rss.Whole(rss.SrcIP)),
		rss.Same(0, ip, 1, []rss.Bits{rss.Whole(rss.SrcIP)}, ""))
}
