// Package sqlite3cli finds the native sqlite3 shell that tests compare this
// driver with and share databases with.
package sqlite3cli

import (
	"os"
	"os/exec"
	"testing"
)

// Path returns the path of the native sqlite3 shell. Without one, the
// test is skipped, saying how to install it, except in CI (CI set), where
// it fails: make test installs it.
func Path(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatal("CI needs the native sqlite3 shell (apt-get install sqlite3)")
		}
		tb.Skip("the native sqlite3 shell is not installed (apt-get install sqlite3)")
	}
	return path
}
