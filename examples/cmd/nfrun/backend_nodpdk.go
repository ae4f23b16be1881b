//go:build !dpdk

package main

import (
	"context"
	"errors"
	"time"

	"github.com/nfmaestro/maestro/nic"
	"github.com/nfmaestro/maestro/nic/rss"
	"github.com/nfmaestro/maestro/nic/soft"
)

// runDPDK is unavailable without the dpdk build tag: the DPDK backend needs
// cgo and libdpdk-dev.
func runDPDK(context.Context, []string, nic.Processor, int, []rss.Config, soft.Dispatch, func(soft.Progress), time.Duration) (*soft.Result, error) {
	return nil, errors.New("built without DPDK support; rebuild with -tags dpdk")
}
