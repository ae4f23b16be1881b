//go:build linux

package xdp

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/soft"
	"github.com/nfmaestro/maestro/nic/xdp/xdptest"
)

// backend is a Run of the XDP backend in the test's "nf" namespace.
type backend struct {
	cancel    context.CancelFunc
	done      chan struct{}
	res       *Result
	err       error
	processed atomic.Uint64
	info      Info
}

// start runs proc on the test's ports until stop, and returns once the
// sockets are bound.
func start(t testing.TB, n *xdptest.Net, cfg Config, proc nic.Processor) *backend {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &backend{cancel: cancel, done: make(chan struct{})}
	ready := make(chan Info, 1)
	cfg.Interfaces = n.NFIf
	cfg.Ready = func(i Info) { ready <- i }
	cfg.ProgressEvery = 500 * time.Microsecond
	cfg.Progress = func(p soft.Progress) { b.processed.Store(p.Packets) }
	go func() {
		defer close(b.done)
		b.err = xdptest.InNetns(n.NF, func() error {
			var err error
			b.res, err = Run(ctx, cfg, proc)
			return err
		})
	}()
	select {
	case b.info = <-ready:
	case <-b.done:
		cancel()
		if b.err != nil && (strings.Contains(b.err.Error(), "no AF_XDP") || strings.Contains(b.err.Error(), "not supported")) {
			t.Skipf("the kernel refuses: %v", b.err)
		}
		t.Fatalf("xdp.Run ended before it was ready: %v", b.err)
	}
	t.Cleanup(func() { b.stop() })
	return b
}

// waitProcessed waits until the NF processed at least n packets.
func (b *backend) waitProcessed(t testing.TB, n uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for b.processed.Load() < n {
		if time.Now().After(deadline) {
			res, err := b.stop()
			if res != nil {
				t.Fatalf("the NF processed %d packets, want %d (%+v, %v)", res.Packets, n, res.Result, err)
			}
			t.Fatalf("the NF processed %d packets, want %d (%v)", b.processed.Load(), n, err)
		}
		time.Sleep(time.Millisecond)
	}
}

// stop ends the run and returns its result.
func (b *backend) stop() (*Result, error) {
	b.cancel()
	<-b.done
	return b.res, b.err
}
