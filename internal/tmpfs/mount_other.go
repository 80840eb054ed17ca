//go:build !linux

package tmpfs

import "testing"

// Mount skips the test: a small tmpfs needs Linux.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	t.Skip("a full disk is simulated with a small tmpfs, which needs Linux and root")
	return ""
}

// Leave skips the test: a small tmpfs needs Linux.
func Leave(t testing.TB, dir string, free int64) string {
	t.Helper()
	t.Skip("a full disk is simulated with a small tmpfs, which needs Linux and root")
	return ""
}
