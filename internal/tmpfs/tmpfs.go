// Package tmpfs mounts small file systems for tests that need a disk that
// fills up: a tmpfs of a given size on a directory of the test's own. It
// needs Linux and root (CI runs as root); elsewhere the test is skipped,
// and says why, except in CI (CI set), where it fails.
package tmpfs

import (
	"os"
	"testing"
)

// Fill writes a file in dir until the file system is full and returns its
// path: removing it gives the space back.
func Fill(t testing.TB, dir string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "filler-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	return f.Name()
}
