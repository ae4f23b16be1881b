//go:build linux

package xdp

import (
	"errors"

	"golang.org/x/sys/unix"
)

// isPerm reports whether err is the kernel refusing for lack of privilege.
func isPerm(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES)
}
