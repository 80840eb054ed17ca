//go:build !linux

package guest

import (
	"os"
	"testing"
)

// readOnly makes dir read-only through its mode.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
}
