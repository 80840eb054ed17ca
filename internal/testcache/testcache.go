// Package testcache points test binaries at one on-disk cache of wazero's
// compiled code, so that a test binary, and the child processes some tests
// start, do not each compile the Wasm module (seconds under the race
// detector).
package testcache

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stablesqlite/stablesqlite/wasm"
)

// Main is a TestMain: it sets the cache directory, unless the environment
// already names one, and runs the tests.
func Main(m *testing.M) {
	if os.Getenv(wasm.CacheDirEnv) == "" {
		os.Setenv(wasm.CacheDirEnv, filepath.Join(os.TempDir(), "stablesqlite-test-cache"))
	}
	os.Exit(m.Run())
}
