//go:build !linux

package tmpfs

import "testing"

// Mount skips the test: a small tmpfs needs Linux.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	t.Skip("a full disk is simulated with a small tmpfs, which needs Linux and root")
	return ""
}
