package shell

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// result is what one run of a shell printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runShell runs this shell in process on args with script as standard
// input.
func runShell(t *testing.T, script string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(args, strings.NewReader(script), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

// nativeSQLite returns the path of Debian's sqlite3, which the golden
// tests compare against; CI installs it (make toolchain).
func nativeSQLite(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("sqlite3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the native sqlite3 is missing (apt-get install sqlite3)")
		}
		t.Skip("no native sqlite3 to compare with (apt-get install sqlite3)")
	}
	return path
}
