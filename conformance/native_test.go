package conformance

import (
	"os"
	osexec "os/exec"
	"testing"
)

// nativeSQLite returns the path of the native sqlite3 shell. A test that
// needs it skips without it, except in CI (CI set), where the Makefile
// installs it and its absence is a failure.
func nativeSQLite(t *testing.T) string {
	t.Helper()
	cli, err := osexec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI needs the native sqlite3 shell (apt-get install sqlite3)")
		}
		t.Skip("the native sqlite3 shell is not installed (apt-get install sqlite3)")
	}
	return cli
}
