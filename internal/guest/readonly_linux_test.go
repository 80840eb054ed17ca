package guest

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// readOnly makes dir read-only: a read-only bind mount (root ignores file
// modes), or else its mode.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err == nil {
			t.Cleanup(func() { unix.Unmount(dir, 0) })
			if err := unix.Mount(dir, dir, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err == nil {
				return
			}
		}
	}
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
}
