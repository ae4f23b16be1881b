package main

import (
	"bytes"
	"context"
	"flag"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/nfmaestro/maestro/examples/catalog"
	"github.com/nfmaestro/maestro/examples/fw"
	"github.com/nfmaestro/maestro/maestro"
	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
)

// runInProcess runs nfrun in the test binary, so that it has the test's
// build tags.
func runInProcess(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return o.String(), e.String(), code
}

// checkTraffic is a small generated workload in which every flow is answered.
var checkTraffic = []string{"-packets", "20000", "-flows", "500", "-bidir=1", "-progress", "0", "-cores", "4"}

func TestCheckNeedsTag(t *testing.T) {
	if maestro.OwnershipCheck {
		t.Skip("built with -tags maestrocheck")
	}
	_, stderr, code := runInProcess(append([]string{"-nf", "fw", "-check"}, checkTraffic...)...)
	if code != exitUsage || !strings.Contains(stderr, "rebuild nfrun with -tags maestrocheck") {
		t.Errorf("exit %d, stderr %q; want %d and a rebuild hint", code, stderr, exitUsage)
	}
}

func needCheck(t *testing.T) {
	t.Helper()
	if !maestro.OwnershipCheck {
		t.Skip("needs -tags maestrocheck")
	}
}

func TestCheckPasses(t *testing.T) {
	needCheck(t)
	stdout, stderr, code := runInProcess(append([]string{"-nf", "fw", "-check"}, checkTraffic...)...)
	if code != exitOK || !strings.Contains(stdout, "ownership check: ") || !strings.Contains(stdout, "keys, each touched by one core only") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "ownership check: 0 keys") {
		t.Error("no key recorded: the check is not wired")
	}
}

func TestCheckLockBased(t *testing.T) {
	needCheck(t)
	stdout, stderr, code := runInProcess(append([]string{"-nf", "dbridge", "-check"}, checkTraffic...)...)
	if code != exitOK || !strings.Contains(stderr, "lock-based") || strings.Contains(stdout, "ownership check") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

func TestCheckWithSeqIsUsageError(t *testing.T) {
	needCheck(t)
	if _, stderr, code := runInProcess("-nf", "fw", "-check", "-seq"); code != exitUsage {
		t.Errorf("exit %d, stderr %q; want %d", code, stderr, exitUsage)
	}
}

// wrongRSS is the generated parallel FW with a random RSS key: replies
// reach cores that never saw their flow.
type wrongRSS struct {
	*fw.FWParallel
	rss []rss.Config
}

func (w wrongRSS) RSS() []rss.Config { return rss.CopyConfigs(w.rss) }

var registerWrong sync.Once

// TestCheckCatchesWrongRSS: nfrun -check on a parallel NF with a wrong RSS
// configuration exits 1 and prints the first violations.
func TestCheckCatchesWrongRSS(t *testing.T) {
	needCheck(t)
	registerWrong.Do(func() {
		catalog.Register(catalog.NF{Name: "fw-wrong-rss", Doc: "test only: the FW with a random RSS key", Ports: 2,
			Flags: func(*flag.FlagSet) *catalog.Builder {
				return &catalog.Builder{
					Seq: func() (maestro.NF, error) { return fw.New(fw.DefaultConfig()), nil },
					Parallel: func(cores int) (nic.Processor, error) {
						p, err := fw.NewParallel(fw.DefaultConfig(), cores)
						if err != nil {
							return nil, err
						}
						cfgs := p.RSS()
						rng := rand.New(rand.NewPCG(3, 3))
						for i := range cfgs {
							for j := range cfgs[i].Key {
								cfgs[i].Key[j] = byte(rng.Uint32())
							}
						}
						return wrongRSS{p, cfgs}, nil
					},
				}
			}})
	})
	stdout, stderr, code := runInProcess(append([]string{"-nf", "fw-wrong-rss", "-check"}, checkTraffic...)...)
	if code != exitRuntime || !strings.Contains(stderr, "maestro ownership check: FW: ") ||
		!strings.Contains(stderr, "FW.flows: key ") || !strings.Contains(stderr, "at fw/fw.go:") {
		t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, exitRuntime, stdout, stderr)
	}
	if !strings.Contains(stdout, "total: 20000 packets") {
		t.Errorf("no summary before the failure:\n%s", stdout)
	}
	// Without -check the same binary warns and succeeds.
	_, stderr, code = runInProcess(append([]string{"-nf", "fw-wrong-rss"}, checkTraffic...)...)
	if code != exitOK || !strings.Contains(stderr, "warning (run with -check to fail)") {
		t.Errorf("without -check: exit %d, stderr %s", code, stderr)
	}
}
