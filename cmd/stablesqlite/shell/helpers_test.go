package shell

import (
	"bytes"
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
